-- Products P001..P040 with the opening stock per store and reorder point used to seed INVENTORY.
MERGE INTO {{ database }}.SILVER.DIM_PRODUCT AS TGT
USING (
    SELECT
        SEED_ROWS.PRODUCT_ID,
        SEED_ROWS.PRODUCT_NAME,
        SEED_ROWS.CATEGORY,
        SEED_ROWS.LIST_PRICE::NUMBER(12, 2) AS LIST_PRICE,
        SEED_ROWS.INITIAL_STOCK::NUMBER(12, 0) AS INITIAL_STOCK,
        SEED_ROWS.REORDER_POINT::NUMBER(12, 0) AS REORDER_POINT
    FROM (
        VALUES
        ('P001', 'Wireless Earbuds', 'Electronics', 59.99, 120, 24),
        ('P002', 'USB-C Charger 30W', 'Electronics', 24.99, 250, 50),
        ('P003', 'Bluetooth Speaker', 'Electronics', 79.00, 120, 24),
        ('P004', 'Phone Case', 'Electronics', 19.50, 250, 50),
        ('P005', 'HDMI Cable 2m', 'Electronics', 12.99, 250, 50),
        ('P006', 'Ground Coffee 500g', 'Grocery', 8.49, 500, 100),
        ('P007', 'Green Tea 50 bags', 'Grocery', 4.25, 500, 100),
        ('P008', 'Dark Chocolate Bar', 'Grocery', 2.99, 500, 100),
        ('P009', 'Olive Oil 750ml', 'Grocery', 11.75, 250, 50),
        ('P010', 'Basmati Rice 2kg', 'Grocery', 6.30, 500, 100),
        ('P011', 'Cotton T-Shirt', 'Apparel', 15.00, 250, 50),
        ('P012', 'Denim Jeans', 'Apparel', 49.90, 120, 24),
        ('P013', 'Wool Socks', 'Apparel', 9.99, 500, 100),
        ('P014', 'Rain Jacket', 'Apparel', 89.00, 120, 24),
        ('P015', 'Baseball Cap', 'Apparel', 18.00, 250, 50),
        ('P016', 'Ceramic Mug', 'Home', 7.95, 500, 100),
        ('P017', 'Scented Candle', 'Home', 14.50, 250, 50),
        ('P018', 'Bath Towel', 'Home', 21.00, 250, 50),
        ('P019', 'LED Desk Lamp', 'Home', 34.99, 120, 24),
        ('P020', 'Storage Box', 'Home', 11.20, 250, 50),
        ('P021', 'Hand Cream', 'Beauty', 6.75, 500, 100),
        ('P022', 'Shampoo 400ml', 'Beauty', 8.90, 500, 100),
        ('P023', 'Lip Balm', 'Beauty', 3.49, 500, 100),
        ('P024', 'Sunscreen SPF50', 'Beauty', 15.99, 250, 50),
        ('P025', 'Face Mask Pack', 'Beauty', 12.00, 250, 50),
        ('P026', 'Paperback Novel', 'Books', 10.99, 250, 50),
        ('P027', 'Cookbook', 'Books', 27.50, 250, 50),
        ('P028', 'Notebook A5', 'Books', 5.49, 500, 100),
        ('P029', 'Travel Guide', 'Books', 19.95, 250, 50),
        ('P030', 'Kids Picture Book', 'Books', 8.99, 500, 100),
        ('P031', 'Yoga Mat', 'Sports', 29.99, 250, 50),
        ('P032', 'Water Bottle 1L', 'Sports', 13.49, 250, 50),
        ('P033', 'Tennis Balls 3-pack', 'Sports', 7.99, 500, 100),
        ('P034', 'Resistance Bands', 'Sports', 16.95, 250, 50),
        ('P035', 'Running Gloves', 'Sports', 22.00, 250, 50),
        ('P036', 'Puzzle 1000 pieces', 'Toys', 17.99, 250, 50),
        ('P037', 'Building Blocks Set', 'Toys', 39.99, 120, 24),
        ('P038', 'Plush Bear', 'Toys', 14.99, 250, 50),
        ('P039', 'Card Game', 'Toys', 9.49, 500, 100),
        ('P040', 'Toy Car', 'Toys', 6.99, 500, 100)
    ) AS SEED_ROWS (PRODUCT_ID, PRODUCT_NAME, CATEGORY, LIST_PRICE, INITIAL_STOCK, REORDER_POINT)
) AS SRC
    ON TGT.PRODUCT_ID = SRC.PRODUCT_ID
WHEN MATCHED THEN
    UPDATE SET
        PRODUCT_NAME = SRC.PRODUCT_NAME,
        CATEGORY = SRC.CATEGORY,
        LIST_PRICE = SRC.LIST_PRICE,
        INITIAL_STOCK = SRC.INITIAL_STOCK,
        REORDER_POINT = SRC.REORDER_POINT
WHEN NOT MATCHED THEN
    INSERT (PRODUCT_ID, PRODUCT_NAME, CATEGORY, LIST_PRICE, INITIAL_STOCK, REORDER_POINT)
    VALUES (
        SRC.PRODUCT_ID, SRC.PRODUCT_NAME, SRC.CATEGORY, SRC.LIST_PRICE, SRC.INITIAL_STOCK, SRC.REORDER_POINT
    );
