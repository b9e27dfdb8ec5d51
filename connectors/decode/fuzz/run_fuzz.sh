#!/usr/bin/env bash
# Runs the decoder fuzz targets for SECONDS each with a seed corpus of real
# and hostile lines (written here, so no corpus lives in the repo).
#   usage: connectors/decode/fuzz/run_fuzz.sh BUILD_DIR SECONDS
#   BUILD_DIR is a -DSEGSTREAM_FUZZ=ON build (cmake --preset fuzz).
# Exit status is non-zero when a target crashes or violates an invariant;
# reproducers are left in BUILD_DIR/fuzz-artifacts/.
set -euo pipefail

build_dir=${1:?usage: run_fuzz.sh BUILD_DIR SECONDS}
seconds=${2:-60}
bin_dir="$build_dir/connectors/decode"
work="$build_dir/fuzz-work"
artifacts="$build_dir/fuzz-artifacts"
rm -rf "$work"
mkdir -p "$work/csv" "$work/json" "$artifacts"

i=0
seed() {  # seed DIR TEXT
  i=$((i + 1))
  printf '%s' "$2" > "$1/seed$i"
}
seed "$work/csv" $'536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom\n'
seed "$work/csv" $'536381,82567,"AIRLINE LOUNGE,METAL SIGN",2,12/1/2010 9:41,2.1,15311,United Kingdom\n'
seed "$work/csv" $'536477,22041,"RECORD FRAME 7"" SINGLE SIZE ",48,12/1/2010 12:27,2.1,16210,United Kingdom\r\n'
seed "$work/csv" $'539492,gift_0001_40,Dotcomgiftshop Gift Voucher \xa340.00,1,12/20/2010 10:14,34.04,,United Kingdom\n'
seed "$work/csv" $'536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n'
seed "$work/csv" $'C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom\n536365,85123A,"OPEN,6,12/1/2010 8:26,2.55,17850,UK\n'
seed "$work/csv" $'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n'
seed "$work/csv" $' 00002 19970112  5   77.00\r\n 00003 19970102  2   20.76\n'
seed "$work/csv" $'B1 ; 85123A ;6;1.002,55;01.12.2010 08:26;017850\n'
seed "$work/json" '{"payload":{"op":"u","before":{"order_no":"1","sku":"S","qty":"6","price":"2.55","ts":1291191960000000,"customer_ref":"17850"},"after":{"order_no":"1","sku":"S","qty":4,"price":"2.50","ts":1291191960000000,"customer_ref":"17850"}}}'
seed "$work/json" '{"invoice":"536365","stock_code":"85123A","description":"WHITE HANGING HEART T-LIGHT HOLDER","quantity":6,"unit_price":2.55,"invoice_ts":"2010-12-01T08:26:00Z","customer_id":"17850","country":"United Kingdom"}'
seed "$work/json" '{"invoice":"C536379","stock_code":"D","description":"caf\u00e9 \"7\"","quantity":-1,"unit_price":27.5,"invoice_ts":"2010-12-01 09:41:00","customer_id":14527,"country":null,"extra":[1,{"a":2}]}'
seed "$work/json" '{"invoice":"1","stock_code":"S","quantity":1,"unit_price":1e-3,"invoice_ts":"2011-01-01T00:00:00+01:00","customer_id":null}'

status=0
for target in csv json; do
  exe="$bin_dir/${target}_fuzz"
  if [[ ! -x "$exe" ]]; then
    echo "missing $exe (configure with -DSEGSTREAM_FUZZ=ON and build ${target}_fuzz)" >&2
    exit 2
  fi
  echo "== ${target}_fuzz for ${seconds}s"
  if ! "$exe" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$artifacts/${target}-" -print_final_stats=1 "$work/$target"; then
    echo "${target}_fuzz FAILED; reproducer in $artifacts" >&2
    status=1
  fi
done
exit $status
