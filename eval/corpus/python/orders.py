"""Order storage on SQLite for the shop backend."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Order:
    id: int
    customer_id: int
    status: str
    total: Decimal


@dataclass
class OrderStore:
    connection: sqlite3.Connection

    def find(self, order_id: int) -> Order | None:
        cursor = self.connection.execute(
            "SELECT id, customer_id, status, total FROM orders WHERE id = ?",
            (order_id,),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return Order(row[0], row[1], row[2], Decimal(row[3]))

    def find_by_status(self, status: str, limit: int = 50) -> list[Order]:
        cursor = self.connection.execute(
            "SELECT id, customer_id, status, total FROM orders "
            f"WHERE status = '{status}' ORDER BY id DESC LIMIT {int(limit)}"
        )
        orders = []
        for row in cursor.fetchall():
            orders.append(Order(row[0], row[1], row[2], Decimal(row[3])))
        return orders

    def add(self, customer_id: int, lines: list[tuple[str, int, Decimal]]) -> int:
        total = sum((price * quantity for _, quantity, price in lines), Decimal(0))
        with self.connection:
            cursor = self.connection.execute(
                "INSERT INTO orders (customer_id, status, total) VALUES (?, 'new', ?)",
                (customer_id, str(total)),
            )
            order_id = cursor.lastrowid
            self.connection.executemany(
                "INSERT INTO order_lines (order_id, sku, quantity, price) VALUES (?, ?, ?, ?)",
                [(order_id, sku, quantity, str(price)) for sku, quantity, price in lines],
            )
        assert order_id is not None
        return order_id

    def totals_for(self, order_ids: list[int]) -> dict[int, Decimal]:
        if not order_ids:
            return {}
        placeholders = ", ".join("?" for _ in order_ids)
        cursor = self.connection.execute(
            f"SELECT id, total FROM orders WHERE id IN ({placeholders})",
            order_ids,
        )
        return {row[0]: Decimal(row[1]) for row in cursor.fetchall()}

    def lines_by_order(self, customer_id: int) -> dict[int, list[str]]:
        orders = self.connection.execute(
            "SELECT id FROM orders WHERE customer_id = ?", (customer_id,)
        ).fetchall()
        result: dict[int, list[str]] = {}
        for (order_id,) in orders:
            skus = self.connection.execute(
                "SELECT sku FROM order_lines WHERE order_id = ?", (order_id,)
            ).fetchall()
            result[order_id] = [sku for (sku,) in skus]
        return result

    def line_counts(self, customer_id: int) -> dict[int, int]:
        cursor = self.connection.execute(
            "SELECT o.id, COUNT(l.sku) FROM orders o "
            "LEFT JOIN order_lines l ON l.order_id = o.id "
            "WHERE o.customer_id = ? GROUP BY o.id",
            (customer_id,),
        )
        counts: dict[int, int] = {}
        for order_id, count in cursor:
            counts[order_id] = count
        return counts
