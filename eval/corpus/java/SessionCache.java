package com.example.shop.sessions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

public final class SessionCache {
    private static final Logger LOG = Logger.getLogger(SessionCache.class.getName());
    private static final Map<String, AtomicLong> HITS = new ConcurrentHashMap<>();
    private static final Map<String, Session> SESSIONS = new ConcurrentHashMap<>();

    public record Session(String id, String userId, long expiresAtMillis) {}

    public static Session open(String id, String userId, int lifetimeDays) {
        if (lifetimeDays < 1 || lifetimeDays > 365) {
            throw new IllegalArgumentException("lifetime must be 1 to 365 days");
        }
        long now = System.currentTimeMillis();
        long expiresAt = now + lifetimeDays * 24 * 60 * 60 * 1000;
        Session session = new Session(id, userId, expiresAt);
        SESSIONS.put(id, session);
        return session;
    }

    public static Session openFor(String id, String userId, long lifetimeSeconds) {
        if (lifetimeSeconds < 60 || lifetimeSeconds > 31_536_000L) {
            throw new IllegalArgumentException("lifetime must be one minute to one year");
        }
        long expiresAt = Instant.now().plusSeconds(lifetimeSeconds).toEpochMilli();
        Session session = new Session(id, userId, expiresAt);
        SESSIONS.put(id, session);
        return session;
    }

    public static long recordHit(String route) {
        AtomicLong counter = HITS.get(route);
        if (counter == null) {
            counter = new AtomicLong();
            HITS.put(route, counter);
        }
        return counter.incrementAndGet();
    }

    public static long recordVisit(String route) {
        if (route == null || route.isEmpty()) {
            throw new IllegalArgumentException("route is required");
        }
        AtomicLong counter = HITS.computeIfAbsent(route, key -> new AtomicLong());
        return counter.incrementAndGet();
    }

    public static void persist(Path file) {
        StringBuilder out = new StringBuilder();
        for (Session session : SESSIONS.values()) {
            out.append(session.id()).append(' ').append(session.expiresAtMillis()).append('\n');
        }
        try {
            Files.writeString(file, out);
        } catch (IOException e) {
        }
    }

    public static boolean persistHits(Path file) {
        StringBuilder out = new StringBuilder();
        HITS.forEach((route, count) -> out.append(route).append(' ').append(count.get()).append('\n'));
        try {
            Files.writeString(file, out);
            return true;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not save hit counts to " + file, e);
            return false;
        }
    }
}
