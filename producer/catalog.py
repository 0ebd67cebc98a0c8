"""The chain's fixed reference data: stores, products and payment methods.

These IDs are shared with the Snowflake seed (DIM_STORE, DIM_PRODUCT, DIM_PAYMENT_METHOD);
tests/producer/test_catalog_matches_seed.py checks that both sides agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Store:
    store_id: str
    city: str
    time_zone: str
    country: str
    currency: str
    registers: int


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    category: str
    list_price: Decimal


STORES: tuple[Store, ...] = (
    Store("S001", "New York", "America/New_York", "US", "USD", 6),
    Store("S002", "Chicago", "America/Chicago", "US", "USD", 4),
    Store("S003", "Los Angeles", "America/Los_Angeles", "US", "USD", 5),
    Store("S004", "Seattle", "America/Los_Angeles", "US", "USD", 3),
    Store("S005", "London", "Europe/London", "GB", "GBP", 5),
    Store("S006", "Berlin", "Europe/Berlin", "DE", "EUR", 4),
    Store("S007", "Tokyo", "Asia/Tokyo", "JP", "JPY", 6),
    Store("S008", "Sydney", "Australia/Sydney", "AU", "AUD", 3),
)

# Busier stores sell more: relative weights used when picking the store of a sale.
STORE_WEIGHTS: tuple[int, ...] = (18, 12, 14, 8, 14, 10, 16, 8)

_PRODUCT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Whole Milk 1L", "Dairy", "1.49"),
    ("Greek Yogurt 500g", "Dairy", "3.29"),
    ("Cheddar Cheese 200g", "Dairy", "4.19"),
    ("Salted Butter 250g", "Dairy", "2.99"),
    ("Free-Range Eggs 12", "Dairy", "4.49"),
    ("Sourdough Loaf", "Bakery", "4.25"),
    ("Croissant", "Bakery", "1.75"),
    ("Bagels 6 Pack", "Bakery", "3.99"),
    ("Blueberry Muffin", "Bakery", "2.49"),
    ("Whole Wheat Bread", "Bakery", "3.49"),
    ("Bananas 1kg", "Produce", "1.29"),
    ("Gala Apples 1kg", "Produce", "3.19"),
    ("Baby Spinach 200g", "Produce", "2.79"),
    ("Avocado", "Produce", "1.59"),
    ("Cherry Tomatoes 250g", "Produce", "2.99"),
    ("Ground Coffee 500g", "Beverages", "8.99"),
    ("Green Tea 20 Bags", "Beverages", "3.49"),
    ("Orange Juice 1L", "Beverages", "3.79"),
    ("Sparkling Water 6x500ml", "Beverages", "4.99"),
    ("Cola 2L", "Beverages", "2.29"),
    ("Potato Chips 150g", "Snacks", "2.49"),
    ("Dark Chocolate 100g", "Snacks", "2.99"),
    ("Mixed Nuts 200g", "Snacks", "5.49"),
    ("Granola Bars 6 Pack", "Snacks", "4.29"),
    ("Pretzels 250g", "Snacks", "2.19"),
    ("Spaghetti 500g", "Pantry", "1.99"),
    ("Tomato Sauce 680g", "Pantry", "3.29"),
    ("Basmati Rice 1kg", "Pantry", "4.79"),
    ("Olive Oil 500ml", "Pantry", "9.49"),
    ("Peanut Butter 340g", "Pantry", "3.89"),
    ("Dish Soap 750ml", "Household", "3.59"),
    ("Paper Towels 6 Rolls", "Household", "8.49"),
    ("Laundry Detergent 2L", "Household", "12.99"),
    ("Trash Bags 30", "Household", "6.99"),
    ("Sponges 4 Pack", "Household", "2.89"),
    ("Toothpaste 100ml", "Personal Care", "3.99"),
    ("Shampoo 400ml", "Personal Care", "6.49"),
    ("Hand Soap 250ml", "Personal Care", "2.99"),
    ("Sunscreen SPF50 200ml", "Personal Care", "11.99"),
    ("Deodorant 50ml", "Personal Care", "4.99"),
)

PRODUCTS: tuple[Product, ...] = tuple(
    Product(f"P{index:03d}", name, category, Decimal(price))
    for index, (name, category, price) in enumerate(_PRODUCT_ROWS, start=1)
)

PAYMENT_METHODS: tuple[str, ...] = (
    "cash",
    "credit_card",
    "debit_card",
    "mobile_wallet",
    "gift_card",
)
PAYMENT_WEIGHTS: tuple[int, ...] = (15, 45, 22, 14, 4)

STORES_BY_ID: dict[str, Store] = {store.store_id: store for store in STORES}
