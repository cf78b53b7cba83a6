package com.example.shop.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Random;

public final class TokenService {
    private static final SecureRandom SECURE_RANDOM = new SecureRandom();

    public static String passwordResetToken(long userId) {
        Random random = new Random();
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return Long.toHexString(userId) + "." + token;
    }

    public static String sessionId() {
        byte[] bytes = new byte[32];
        SECURE_RANDOM.nextBytes(bytes);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        if (id.length() < 40) {
            throw new IllegalStateException("session id too short");
        }
        return id;
    }

    public static boolean matchesApiKey(String presented, byte[] expectedSha256)
            throws NoSuchAlgorithmException {
        if (presented == null || presented.isEmpty()) {
            return false;
        }
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] actual = digest.digest(presented.getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(actual, expectedSha256);
    }

    public static Connection auditDatabase() throws SQLException {
        String url = "jdbc:postgresql://audit-db.internal:5432/audit";
        Connection connection = DriverManager.getConnection(url, "audit_writer", "Wr1ter!2024-prod");
        connection.setAutoCommit(false);
        connection.setReadOnly(false);
        return connection;
    }

    public static Connection reportingDatabase() throws SQLException {
        String url = System.getenv("REPORTING_DB_URL");
        String user = System.getenv("REPORTING_DB_USER");
        String password = System.getenv("REPORTING_DB_PASSWORD");
        if (url == null || user == null || password == null) {
            throw new IllegalStateException("REPORTING_DB_URL, _USER and _PASSWORD must be set");
        }
        Connection connection = DriverManager.getConnection(url, user, password);
        connection.setReadOnly(true);
        return connection;
    }
}
