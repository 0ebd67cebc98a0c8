"""The chain's fixed reference data: stores, products, payment methods and currencies.

These IDs are shared with the Snowflake seed (DIM_STORE, DIM_PRODUCT, DIM_PAYMENT_METHOD,
DIM_CURRENCY); tests/producer/test_catalog_matches_seed.py checks that both sides agree.
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
    ("Wireless Earbuds", "Electronics", "59.99"),
    ("USB-C Charger 30W", "Electronics", "24.99"),
    ("Bluetooth Speaker", "Electronics", "79.00"),
    ("Phone Case", "Electronics", "19.50"),
    ("HDMI Cable 2m", "Electronics", "12.99"),
    ("Ground Coffee 500g", "Grocery", "8.49"),
    ("Green Tea 50 bags", "Grocery", "4.25"),
    ("Dark Chocolate Bar", "Grocery", "2.99"),
    ("Olive Oil 750ml", "Grocery", "11.75"),
    ("Basmati Rice 2kg", "Grocery", "6.30"),
    ("Cotton T-Shirt", "Apparel", "15.00"),
    ("Denim Jeans", "Apparel", "49.90"),
    ("Wool Socks", "Apparel", "9.99"),
    ("Rain Jacket", "Apparel", "89.00"),
    ("Baseball Cap", "Apparel", "18.00"),
    ("Ceramic Mug", "Home", "7.95"),
    ("Scented Candle", "Home", "14.50"),
    ("Bath Towel", "Home", "21.00"),
    ("LED Desk Lamp", "Home", "34.99"),
    ("Storage Box", "Home", "11.20"),
    ("Hand Cream", "Beauty", "6.75"),
    ("Shampoo 400ml", "Beauty", "8.90"),
    ("Lip Balm", "Beauty", "3.49"),
    ("Sunscreen SPF50", "Beauty", "15.99"),
    ("Face Mask Pack", "Beauty", "12.00"),
    ("Paperback Novel", "Books", "10.99"),
    ("Cookbook", "Books", "27.50"),
    ("Notebook A5", "Books", "5.49"),
    ("Travel Guide", "Books", "19.95"),
    ("Kids Picture Book", "Books", "8.99"),
    ("Yoga Mat", "Sports", "29.99"),
    ("Water Bottle 1L", "Sports", "13.49"),
    ("Tennis Balls 3-pack", "Sports", "7.99"),
    ("Resistance Bands", "Sports", "16.95"),
    ("Running Gloves", "Sports", "22.00"),
    ("Puzzle 1000 pieces", "Toys", "17.99"),
    ("Building Blocks Set", "Toys", "39.99"),
    ("Plush Bear", "Toys", "14.99"),
    ("Card Game", "Toys", "9.49"),
    ("Toy Car", "Toys", "6.99"),
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

# ISO 4217 minor units of the stores' currencies (SILVER.DIM_CURRENCY): an amount has at most
# this many decimals, or Silver rejects it (AMOUNT_SCALE_NOT_ALLOWED).
MINOR_UNITS: dict[str, int] = {"USD": 2, "GBP": 2, "EUR": 2, "JPY": 0, "AUD": 2}
# List prices are in two-decimal units; a zero-decimal currency (yen) prices at 100 of its units
# per list unit, whole (P001 at 59.99 costs 5,999 yen).
_UNITS_PER_LIST_UNIT: dict[int, Decimal] = {0: Decimal(100), 2: Decimal(1)}


def price_in(product: Product, currency: str) -> Decimal:
    """The product's shelf price in a store's currency, with no more decimals than it allows."""
    minor_unit = MINOR_UNITS[currency]
    return (product.list_price * _UNITS_PER_LIST_UNIT[minor_unit]).quantize(
        Decimal(1).scaleb(-minor_unit)
    )
