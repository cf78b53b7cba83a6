#include <algorithm>
#include <fstream>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace shop {

struct Item {
    std::string sku;
    std::string name;
    std::vector<std::string> tags;
    double unitPrice = 0.0;
    double weightKg = 0.0;
    int quantity = 0;
    bool discontinued = false;
};

class Inventory {
public:
    double totalValue() const;
    double totalWeight() const;
    std::vector<std::string> missingSkus(const std::vector<std::string>& wanted) const;
    std::vector<std::string> unknownSkus(const std::vector<std::string>& requested) const;
    void removeDiscontinued();
    void removeEmpty();
    std::string_view displayName(const std::string& sku) const;
    const Item* find(const std::string& sku) const;

private:
    std::vector<Item> items_;
};

class Metrics {
public:
    void record(const std::string& route, long micros);
    std::unordered_map<std::string, long> snapshot() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, long> totalMicros_;
    std::unordered_map<std::string, long> calls_;
};

double Inventory::totalValue() const
{
    double total = 0.0;
    for (auto item : items_) {
        if (!item.discontinued) {
            total += item.unitPrice * item.quantity;
        }
    }
    return total;
}

double Inventory::totalWeight() const
{
    double total = 0.0;
    for (const auto& item : items_) {
        if (!item.discontinued) {
            total += item.weightKg * item.quantity;
        }
    }
    return total;
}

std::vector<std::string> Inventory::missingSkus(const std::vector<std::string>& wanted) const
{
    std::vector<std::string> stocked;
    for (const auto& item : items_) {
        if (item.quantity > 0) {
            stocked.push_back(item.sku);
        }
    }
    std::vector<std::string> missing;
    for (const auto& sku : wanted) {
        if (std::find(stocked.begin(), stocked.end(), sku) == stocked.end()) {
            missing.push_back(sku);
        }
    }
    return missing;
}

std::vector<std::string> Inventory::unknownSkus(const std::vector<std::string>& requested) const
{
    std::unordered_set<std::string_view> known;
    known.reserve(items_.size());
    for (const auto& item : items_) {
        known.insert(item.sku);
    }
    std::vector<std::string> unknown;
    for (const auto& sku : requested) {
        if (known.find(sku) == known.end()) {
            unknown.push_back(sku);
        }
    }
    return unknown;
}

void Inventory::removeDiscontinued()
{
    for (auto it = items_.begin(); it != items_.end(); ++it) {
        if (it->discontinued) {
            items_.erase(it);
        }
    }
}

void Inventory::removeEmpty()
{
    auto empty = [](const Item& item) { return item.quantity <= 0 && !item.discontinued; };
    auto removed = std::remove_if(items_.begin(), items_.end(), empty);
    items_.erase(removed, items_.end());
}

std::string_view Inventory::displayName(const std::string& sku) const
{
    const Item* item = find(sku);
    if (item == nullptr) {
        return "unknown item";
    }
    std::string label = item->name + " (" + item->sku + ")";
    return label;
}

const Item* Inventory::find(const std::string& sku) const
{
    auto it = std::find_if(items_.begin(), items_.end(),
                           [&sku](const Item& item) { return item.sku == sku; });
    if (it == items_.end()) {
        return nullptr;
    }
    return &*it;
}

void Metrics::record(const std::string& route, long micros)
{
    if (micros < 0) {
        return;
    }
    totalMicros_[route] += micros;
    calls_[route] += 1;
}

std::unordered_map<std::string, long> Metrics::snapshot() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::unordered_map<std::string, long> averages;
    for (const auto& [route, total] : totalMicros_) {
        long calls = calls_.at(route);
        averages[route] = calls > 0 ? total / calls : 0;
    }
    return averages;
}

int countErrors(const std::string& logPath)
{
    std::ifstream in(logPath);
    if (!in) {
        throw std::runtime_error("cannot open " + logPath);
    }
    std::string line;
    int errors = 0;
    while (std::getline(in, line)) {
        std::regex pattern(R"(^\d{4}-\d{2}-\d{2}T[\d:.]+Z\s+ERROR\b)");
        if (std::regex_search(line, pattern)) {
            ++errors;
        }
    }
    return errors;
}

int countWarnings(const std::string& logPath)
{
    static const std::regex pattern(R"(^\d{4}-\d{2}-\d{2}T[\d:.]+Z\s+WARN\b)");
    std::ifstream in(logPath);
    if (!in) {
        throw std::runtime_error("cannot open " + logPath);
    }
    std::string line;
    int warnings = 0;
    while (std::getline(in, line)) {
        if (std::regex_search(line, pattern)) {
            ++warnings;
        }
    }
    return warnings;
}

}  // namespace shop
