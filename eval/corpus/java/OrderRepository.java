package com.example.shop.orders;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

public final class OrderRepository {
    public record OrderRow(long id, long customerId, String status, BigDecimal total) {}

    private final DataSource dataSource;
    private final int pageSize;

    public OrderRepository(DataSource dataSource, int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be positive");
        }
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.pageSize = pageSize;
    }

    public List<OrderRow> findByCustomerEmail(String email) throws SQLException {
        String sql = "SELECT o.id, o.customer_id, o.status, o.total FROM orders o "
                + "JOIN customers c ON c.id = o.customer_id WHERE c.email = '" + email + "'";
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            List<OrderRow> orders = new ArrayList<>();
            while (rows.next()) {
                orders.add(read(rows));
            }
            return orders;
        }
    }

    public List<OrderRow> findByStatus(String status, int page) throws SQLException {
        String sql = "SELECT id, customer_id, status, total FROM orders WHERE status = ? "
                + "ORDER BY id DESC LIMIT ? OFFSET ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, status);
            statement.setInt(2, pageSize);
            statement.setLong(3, (long) Math.max(page - 1, 0) * pageSize);
            try (ResultSet rows = statement.executeQuery()) {
                List<OrderRow> orders = new ArrayList<>();
                while (rows.next()) {
                    orders.add(read(rows));
                }
                return orders;
            }
        }
    }

    private static OrderRow read(ResultSet rows) throws SQLException {
        long id = rows.getLong("id");
        long customerId = rows.getLong("customer_id");
        String status = rows.getString("status");
        BigDecimal total = rows.getBigDecimal("total");
        return new OrderRow(id, customerId, status, total);
    }
}
