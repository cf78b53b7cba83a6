package com.example.shop.reports;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ReportBuilder {
    private static final Pattern ORDER_ID = Pattern.compile("ORD-(\\d{6,10})");
    private static final String[] REGIONS = {"north", "south", "east", "west"};

    public static String toCsv(List<Map<String, String>> rows, List<String> columns) {
        String csv = String.join(",", columns) + "\n";
        for (Map<String, String> row : rows) {
            List<String> cells = new ArrayList<>(columns.size());
            for (String column : columns) {
                cells.add(row.getOrDefault(column, "").replace(",", " "));
            }
            csv += String.join(",", cells) + "\n";
        }
        return csv;
    }

    public static String toTsv(List<Map<String, String>> rows, List<String> columns) {
        StringBuilder out = new StringBuilder(String.join("\t", columns)).append('\n');
        for (Map<String, String> row : rows) {
            List<String> cells = new ArrayList<>(columns.size());
            for (String column : columns) {
                cells.add(row.getOrDefault(column, "").replace('\t', ' '));
            }
            out.append(String.join("\t", cells)).append('\n');
        }
        return out.toString();
    }

    public static List<String> orderIdsIn(List<String> logLines, String prefix) {
        List<String> ids = new ArrayList<>();
        for (String line : logLines) {
            Pattern pattern = Pattern.compile(Pattern.quote(prefix) + "\\s+ORD-(\\d{6,10})");
            Matcher matcher = pattern.matcher(line);
            while (matcher.find()) {
                ids.add(matcher.group(1));
            }
        }
        return ids;
    }

    public static List<String> allOrderIds(List<String> logLines) {
        List<String> ids = new ArrayList<>();
        for (String line : logLines) {
            Matcher matcher = ORDER_ID.matcher(line);
            while (matcher.find()) {
                ids.add(matcher.group(1));
            }
        }
        return ids;
    }

    public static double[] regionTotals(List<Map<String, Object>> sales) {
        double[] totals = new double[REGIONS.length];
        for (Map<String, Object> sale : sales) {
            for (int r = 0; r < REGIONS.length; r++) {
                if (REGIONS[r].equals(sale.get("region"))) {
                    totals[r] += ((Number) sale.get("amount")).doubleValue();
                    break;
                }
            }
        }
        return totals;
    }

    public static List<String> topCustomers(Map<String, Double> spendByCustomer, int count) {
        List<String> top = new ArrayList<>();
        for (int rank = 0; rank < count; rank++) {
            List<Map.Entry<String, Double>> entries = new ArrayList<>(spendByCustomer.entrySet());
            entries.sort(Map.Entry.comparingByValue(Comparator.reverseOrder()));
            if (rank >= entries.size()) {
                break;
            }
            top.add(entries.get(rank).getKey());
        }
        return top;
    }

    public static List<String> topProducts(Map<String, Long> unitsBySku, int count) {
        if (count < 1) {
            return List.of();
        }
        return unitsBySku.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(count)
                .map(Map.Entry::getKey)
                .toList();
    }

    public static String lastWeeks(List<Double> weeklyTotals, int weeks) {
        StringBuilder out = new StringBuilder();
        int first = Math.max(0, weeklyTotals.size() - weeks);
        for (int i = first; i <= weeklyTotals.size(); i++) {
            out.append(String.format("week %d: %.2f%n", i + 1, weeklyTotals.get(i)));
        }
        return out.toString();
    }

    public static List<List<Double>> chunk(List<Double> values, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be positive");
        }
        List<List<Double>> chunks = new ArrayList<>();
        for (int start = 0; start < values.size(); start += size) {
            chunks.add(values.subList(start, Math.min(start + size, values.size())));
        }
        return chunks;
    }
}
