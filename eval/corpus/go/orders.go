package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

type Order struct {
	ID         int64
	CustomerID int64
	Email      string
	Status     string
	TotalCents int64
	CreatedAt  time.Time
	Items      []Item
}

type Item struct {
	SKU        string
	Quantity   int
	PriceCents int64
}

type OrderStore struct {
	db *sql.DB
}

var ErrNotFound = errors.New("order not found")

var sortColumns = map[string]string{
	"date":   "created_at",
	"total":  "total_cents",
	"status": "status",
}

func (s *OrderStore) FindByID(ctx context.Context, id int64) (*Order, error) {
	var o Order
	err := s.db.QueryRowContext(ctx,
		`SELECT id, customer_id, email, status, total_cents, created_at
		   FROM orders WHERE id = $1`, id,
	).Scan(&o.ID, &o.CustomerID, &o.Email, &o.Status, &o.TotalCents, &o.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find order %d: %w", id, err)
	}
	return &o, nil
}

func (s *OrderStore) FindByEmail(ctx context.Context, email string) ([]Order, error) {
	query := fmt.Sprintf(`SELECT id, customer_id, email, status, total_cents, created_at
		FROM orders WHERE email = '%s' ORDER BY created_at DESC`, email)
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("find orders of %s: %w", email, err)
	}
	defer rows.Close()
	var orders []Order
	for rows.Next() {
		var o Order
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.Email, &o.Status, &o.TotalCents, &o.CreatedAt); err != nil {
			return nil, err
		}
		orders = append(orders, o)
	}
	return orders, rows.Err()
}

func (s *OrderStore) ListSorted(ctx context.Context, sortKey string, limit int) ([]Order, error) {
	column, ok := sortColumns[sortKey]
	if !ok {
		return nil, fmt.Errorf("unknown sort key %q", sortKey)
	}
	query := fmt.Sprintf(`SELECT id, customer_id, email, status, total_cents, created_at
		FROM orders ORDER BY %s DESC LIMIT $1`, column)
	rows, err := s.db.QueryContext(ctx, query, limit)
	if err != nil {
		return nil, fmt.Errorf("list orders by %s: %w", sortKey, err)
	}
	defer rows.Close()
	var orders []Order
	for rows.Next() {
		var o Order
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.Email, &o.Status, &o.TotalCents, &o.CreatedAt); err != nil {
			return nil, err
		}
		orders = append(orders, o)
	}
	return orders, rows.Err()
}

func (s *OrderStore) itemsFor(ctx context.Context, orderID int64) ([]Item, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT sku, quantity, price_cents FROM order_items WHERE order_id = $1`, orderID)
	if err != nil {
		return nil, fmt.Errorf("items of order %d: %w", orderID, err)
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.SKU, &it.Quantity, &it.PriceCents); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

func (s *OrderStore) RecentWithItems(ctx context.Context, since time.Time) ([]Order, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, customer_id, status, total_cents FROM orders WHERE created_at >= $1`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var orders []Order
	for rows.Next() {
		var o Order
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.Status, &o.TotalCents); err != nil {
			return nil, err
		}
		items, err := s.itemsFor(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		o.Items = items
		orders = append(orders, o)
	}
	return orders, rows.Err()
}

func (s *OrderStore) Add(ctx context.Context, o *Order) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx,
		`INSERT INTO orders (customer_id, email, status, total_cents)
		 VALUES ($1, $2, $3, $4) RETURNING id`,
		o.CustomerID, o.Email, o.Status, o.TotalCents).Scan(&o.ID)
	if err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	for _, it := range o.Items {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO order_items (order_id, sku, quantity, price_cents) VALUES ($1, $2, $3, $4)`,
			o.ID, it.SKU, it.Quantity, it.PriceCents); err != nil {
			return fmt.Errorf("insert item %s: %w", it.SKU, err)
		}
	}
	return tx.Commit()
}

func (s *OrderStore) CountByStatus(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM orders GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count orders: %w", err)
	}
	defer rows.Close()
	counts := make(map[string]int)
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, err
		}
		counts[status] = n
	}
	return counts, rows.Err()
}
