package com.example.shop.files;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

public final class FileTools {
    public static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        InputStream in = new FileInputStream(file.toFile());
        byte[] buffer = new byte[8192];
        int read;
        while ((read = in.read(buffer)) != -1) {
            digest.update(buffer, 0, read);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public static long countLines(Path file) throws IOException {
        long count = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            while (reader.readLine() != null) {
                count++;
            }
        }
        return count;
    }

    public static int pingHost(String host) throws IOException, InterruptedException {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is required");
        }
        Process process = new ProcessBuilder("sh", "-c", "ping -c 1 -W 2 " + host)
                .redirectErrorStream(true)
                .start();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    public static int resolveHost(String host) throws IOException, InterruptedException {
        if (host == null || !host.matches("[A-Za-z0-9.-]{1,253}")) {
            throw new IllegalArgumentException("not a host name: " + host);
        }
        Process process = new ProcessBuilder(List.of("nslookup", host))
                .redirectErrorStream(true)
                .start();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    @SuppressWarnings("unchecked")
    public static List<String> readSavedCart(InputStream upload) throws IOException {
        try (ObjectInputStream in = new ObjectInputStream(upload)) {
            Object saved = in.readObject();
            if (!(saved instanceof List<?>)) {
                throw new IOException("not a saved cart");
            }
            return (List<String>) saved;
        } catch (ClassNotFoundException e) {
            throw new IOException("unknown cart format", e);
        }
    }

    public static Properties readSettings(InputStream upload) throws IOException {
        Properties settings = new Properties();
        try (var reader = new InputStreamReader(upload, StandardCharsets.UTF_8)) {
            settings.load(reader);
        }
        if (settings.size() > 200) {
            throw new IOException("too many settings: " + settings.size());
        }
        return settings;
    }
}
