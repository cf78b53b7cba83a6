use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Result};

#[derive(Debug, Clone)]
pub struct LineItem {
    pub sku: String,
    pub quantity: u32,
    pub price_cents: u32,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: i64,
    pub customer: String,
    pub status: String,
    pub items: Vec<LineItem>,
}

pub struct OrderStore {
    conn: Connection,
}

impl OrderStore {
    pub fn find(&self, id: i64) -> Result<Option<Order>> {
        self.conn
            .query_row(
                "SELECT id, customer, status FROM orders WHERE id = ?1",
                params![id],
                |row| {
                    Ok(Order { id: row.get(0)?, customer: row.get(1)?, status: row.get(2)?, items: Vec::new() })
                },
            )
            .optional()
    }

    pub fn by_customer(&self, customer: &str) -> Result<Vec<Order>> {
        let sql = format!(
            "SELECT id, customer, status FROM orders WHERE customer = '{}' ORDER BY id DESC",
            customer
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |row| {
            Ok(Order { id: row.get(0)?, customer: row.get(1)?, status: row.get(2)?, items: Vec::new() })
        })?;
        rows.collect()
    }

    pub fn with_items(&self, status: &str) -> Result<Vec<Order>> {
        let mut stmt = self.conn.prepare("SELECT id, customer, status FROM orders WHERE status = ?1")?;
        let mut orders: Vec<Order> = stmt
            .query_map(params![status], |row| {
                Ok(Order { id: row.get(0)?, customer: row.get(1)?, status: row.get(2)?, items: Vec::new() })
            })?
            .collect::<Result<_>>()?;
        for order in &mut orders {
            let mut items = self
                .conn
                .prepare("SELECT sku, quantity, price_cents FROM order_items WHERE order_id = ?1")?;
            order.items = items
                .query_map(params![order.id], |row| {
                    Ok(LineItem { sku: row.get(0)?, quantity: row.get(1)?, price_cents: row.get(2)? })
                })?
                .collect::<Result<_>>()?;
        }
        Ok(orders)
    }

    pub fn add(&mut self, order: &Order) -> Result<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO orders (customer, status) VALUES (?1, ?2)",
            params![order.customer, order.status],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare(
                "INSERT INTO order_items (order_id, sku, quantity, price_cents) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for item in &order.items {
                insert.execute(params![id, item.sku, item.quantity, item.price_cents])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    pub fn status_counts(&self) -> Result<HashMap<String, i64>> {
        let mut stmt = self.conn.prepare("SELECT status, COUNT(*) FROM orders GROUP BY status")?;
        let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))?;
        let mut counts = HashMap::new();
        for row in rows {
            let (status, count) = row?;
            counts.insert(status, count);
        }
        Ok(counts)
    }
}

pub fn order_total(items: &[LineItem]) -> u32 {
    let mut total: u32 = 0;
    for item in items {
        let line = item.quantity * item.price_cents;
        total += line;
    }
    total
}

pub fn order_total_checked(items: &[LineItem]) -> Option<u64> {
    let mut total: u64 = 0;
    for item in items {
        let line = u64::from(item.quantity) * u64::from(item.price_cents);
        total = total.checked_add(line)?;
    }
    Some(total)
}
