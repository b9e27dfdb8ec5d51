// Tests for engine/rfm/cleaning: each rule, the order the rules apply in
// (a line breaking several rules gets the first one's reason), case
// handling of stock codes, configurable lists, and the duplicate fingerprint
// (all eight fields count, fields do not run into each other).
#include "engine/rfm/cleaning.h"

#include <gtest/gtest.h>

#include <set>

namespace segstream {
namespace {

InvoiceEvent Line() {
  InvoiceEvent e;
  e.invoice = "536365";
  e.stock_code = "85123A";
  e.description = "WHITE HANGING HEART T-LIGHT HOLDER";
  e.customer_id = "17850";
  e.country = "United Kingdom";
  e.quantity = 6;
  e.unit_price_milli = 2550;
  e.invoice_ts = 1291191960;
  return e;
}

LineClass C(const InvoiceEvent& e) { return Classify(e, CleaningRules{}); }

TEST(CleaningTest, PurchaseAndReturns) {
  EXPECT_EQ(C(Line()), LineClass::kPurchase);
  InvoiceEvent e = Line();
  e.invoice = "C536379";
  e.quantity = -1;
  EXPECT_EQ(C(e), LineClass::kReturn);
  e.quantity = 1;  // a C-invoice is a return whatever the sign
  EXPECT_EQ(C(e), LineClass::kReturn);
  e = Line();
  e.quantity = -3;  // negative quantity on a normal invoice
  EXPECT_EQ(C(e), LineClass::kReturn);
  e = Line();
  e.invoice = "c536379";  // invoice prefixes are case-sensitive
  EXPECT_EQ(C(e), LineClass::kPurchase);
}

TEST(CleaningTest, EachSkipRule) {
  InvoiceEvent e = Line();
  e.customer_id.clear();
  EXPECT_EQ(C(e), LineClass::kSkipNoCustomer);
  e = Line();
  e.invoice = "A563185";
  EXPECT_EQ(C(e), LineClass::kSkipAdjustmentInvoice);
  e = Line();
  e.quantity = 0;
  EXPECT_EQ(C(e), LineClass::kSkipZeroQuantity);
  e = Line();
  e.unit_price_milli = 0;
  EXPECT_EQ(C(e), LineClass::kSkipNonPositivePrice);
  e.unit_price_milli = -11062060;
  EXPECT_EQ(C(e), LineClass::kSkipNonPositivePrice);
  e.unit_price_milli = 1;  // a thousandth is a price
  EXPECT_EQ(C(e), LineClass::kPurchase);
}

TEST(CleaningTest, NonProductCodes) {
  for (const char* code : {"POST", "DOT", "M", "BANK CHARGES", "AMAZONFEE", "CRUK", "D", "PADS", "B", "S", "C2",
                           "post", "Post", "m", "bank charges", "AmazonFee", "c2", "gift_0001_40", "GIFT_0001_10",
                           "gift_"}) {
    InvoiceEvent e = Line();
    e.stock_code = code;
    EXPECT_EQ(C(e), LineClass::kSkipNonProductCode) << code;
  }
  // Products that merely look similar.
  for (const char* code : {"POSTAGE", "DOTCOM", "M1", "85123A", "C", "C22", "BANK", "gift", "xgift_0001", "DCGSSBOY",
                           "S1", "PADS2"}) {
    InvoiceEvent e = Line();
    e.stock_code = code;
    EXPECT_EQ(C(e), LineClass::kPurchase) << code;
  }
}

TEST(CleaningTest, RulesApplyInOrder) {
  // Everything wrong at once: the first rule wins. (Strings are moved in:
  // GCC 12 -O3 warns falsely on assigning short literals here.)
  auto make = [](std::string customer, std::string invoice, std::string stock, int64_t quantity, int64_t price) {
    InvoiceEvent e = Line();
    e.customer_id = std::move(customer);
    e.invoice = std::move(invoice);
    e.stock_code = std::move(stock);
    e.quantity = quantity;
    e.unit_price_milli = price;
    return e;
  };
  EXPECT_EQ(C(make("", "A563185", "POST", 0, -1)), LineClass::kSkipNoCustomer);
  EXPECT_EQ(C(make("17850", "A563185", "POST", 0, -1)), LineClass::kSkipAdjustmentInvoice);
  // A cancelled postage line is not a return.
  EXPECT_EQ(C(make("17850", "C563185", "POST", 0, -1)), LineClass::kSkipNonProductCode);
  EXPECT_EQ(C(make("17850", "C563185", "22423", 0, -1)), LineClass::kSkipZeroQuantity);
  // A return at price 0 is skipped.
  EXPECT_EQ(C(make("17850", "C563185", "22423", -2, -1)), LineClass::kSkipNonPositivePrice);
  EXPECT_EQ(C(make("17850", "C563185", "22423", -2, 100)), LineClass::kReturn);
}

TEST(CleaningTest, ConfigurableLists) {
  CleaningRules rules;
  rules.non_product_codes = {"FEE"};
  rules.non_product_prefixes = {"X-"};
  InvoiceEvent e = Line();
  e.stock_code = "POST";
  EXPECT_EQ(Classify(e, rules), LineClass::kPurchase);
  e.stock_code = "fee";
  EXPECT_EQ(Classify(e, rules), LineClass::kSkipNonProductCode);
  e.stock_code = "x-123";
  EXPECT_EQ(Classify(e, rules), LineClass::kSkipNonProductCode);
  rules.non_sale_invoice_prefixes = {};
  e = Line();
  e.invoice = "A563185";
  EXPECT_EQ(Classify(e, rules), LineClass::kPurchase);
}

TEST(CleaningTest, NamesAndAcceptance) {
  EXPECT_STREQ(LineClassName(LineClass::kPurchase), "purchase");
  EXPECT_STREQ(LineClassName(LineClass::kReturn), "return");
  EXPECT_STREQ(LineClassName(LineClass::kSkipNoCustomer), "no_customer");
  EXPECT_STREQ(LineClassName(LineClass::kSkipAdjustmentInvoice), "adjustment_invoice");
  EXPECT_STREQ(LineClassName(LineClass::kSkipNonProductCode), "non_product_code");
  EXPECT_STREQ(LineClassName(LineClass::kSkipZeroQuantity), "zero_quantity");
  EXPECT_STREQ(LineClassName(LineClass::kSkipNonPositivePrice), "non_positive_price");
  EXPECT_TRUE(IsAccepted(LineClass::kPurchase));
  EXPECT_TRUE(IsAccepted(LineClass::kReturn));
  EXPECT_FALSE(IsAccepted(LineClass::kSkipZeroQuantity));
}

TEST(CleaningTest, FingerprintSeesEveryField) {
  const InvoiceEvent base = Line();
  EXPECT_EQ(LineFingerprint(base), LineFingerprint(Line()));
  std::set<uint64_t> seen = {LineFingerprint(base)};
  auto differs = [&](InvoiceEvent e, const char* what) {
    EXPECT_TRUE(seen.insert(LineFingerprint(e)).second) << what;
  };
  InvoiceEvent e = base;
  e.invoice = "536366";
  differs(e, "invoice");
  e = base;
  e.stock_code = "85123a";
  differs(e, "stock code case");
  e = base;
  e.description.push_back(' ');
  differs(e, "description");
  e = base;
  e.quantity = 7;
  differs(e, "quantity");
  e = base;
  e.unit_price_milli = 2551;
  differs(e, "price");
  e = base;
  e.invoice_ts += 60;
  differs(e, "time");
  e = base;
  e.customer_id = "17851";
  differs(e, "customer");
  e = base;
  e.country = "France";
  differs(e, "country");
  // Field boundaries matter: moving a character from one field to the next.
  e = base;
  e.invoice = "53636";
  e.stock_code = "585123A";
  differs(e, "invoice/stock boundary");
  e = base;
  e.description = "";
  e.country = "WHITE HANGING HEART T-LIGHT HOLDERUnited Kingdom";
  differs(e, "description/country boundary");
}

}  // namespace
}  // namespace segstream
