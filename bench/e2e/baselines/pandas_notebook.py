"""Baseline: the seed notebooks' pipeline in pandas + scikit-learn: load,
clean (segstream's rules), RFM, log1p + StandardScaler, KMeans(k=4,
k-means++, n_init=10), silhouette. Run by bench/e2e/replay_bench.sh when
pandas and scikit-learn import. Usage: python3 pandas_notebook.py FILE.csv.gz"""
import sys

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

df = pd.read_csv(sys.argv[1], encoding="latin-1", dtype={"CustomerID": str, "InvoiceNo": str, "StockCode": str})
df = df.dropna(subset=["CustomerID"]).drop_duplicates()
codes = {"POST", "DOT", "M", "BANK CHARGES", "AMAZONFEE", "CRUK", "D", "PADS", "B", "S", "C2"}
df = df[~df.InvoiceNo.str.startswith("A") & ~df.StockCode.str.upper().isin(codes)
        & ~df.StockCode.str.lower().str.startswith("gift_") & (df.Quantity != 0) & (df.UnitPrice > 0)]
df["ts"] = pd.to_datetime(df.InvoiceDate, format="%m/%d/%Y %H:%M")
ret = df.InvoiceNo.str.startswith("C") | (df.Quantity < 0)
df["amount"] = np.where(ret, -df.Quantity.abs(), df.Quantity) * df.UnitPrice
buys = df[~ret]
w = df.ts.max()
rfm = pd.DataFrame({
    "recency": (w - buys.groupby("CustomerID").ts.max()).dt.total_seconds() / 86400,
    "frequency": buys.groupby("CustomerID").InvoiceNo.nunique(),
    "monetary": df.groupby("CustomerID").amount.sum(),
}).dropna()
x = StandardScaler().fit_transform(np.log1p(rfm.clip(lower=0)))
km = KMeans(n_clusters=4, init="k-means++", n_init=10, random_state=42).fit(x)
print(len(rfm), "customers, inertia", round(km.inertia_, 1), "silhouette", round(silhouette_score(x, km.labels_), 3))
