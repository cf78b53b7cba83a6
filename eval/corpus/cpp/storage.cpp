#include <cerrno>
#include <cstddef>
#include <fstream>
#include <list>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <sqlite3.h>
#include <unistd.h>

bool deleteOrdersOf(sqlite3* db, const std::string& customer)
{
    std::string sql = "DELETE FROM orders WHERE customer = '" + customer + "';";
    char* error = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw std::runtime_error("delete orders: " + message);
    }
    return sqlite3_changes(db) > 0;
}

std::optional<double> orderTotalFor(sqlite3* db, const std::string& customer)
{
    sqlite3_stmt* stmt = nullptr;
    const char* sql = "SELECT SUM(amount) FROM orders WHERE customer = ?1";
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
        throw std::runtime_error(sqlite3_errmsg(db));
    }
    sqlite3_bind_text(stmt, 1, customer.c_str(), -1, SQLITE_TRANSIENT);
    std::optional<double> total;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
        total = sqlite3_column_double(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        throw std::runtime_error(sqlite3_errmsg(db));
    }
    return total;
}

class LruCache {
public:
    std::optional<std::string> get(const std::string& key)
    {
        auto found = index_.find(key);
        if (found == index_.end()) {
            return std::nullopt;
        }
        entries_.splice(entries_.begin(), entries_, found->second);
        return found->second->second;
    }

    void put(const std::string& key, std::string value)
    {
        auto found = index_.find(key);
        if (found != index_.end()) {
            found->second->second = std::move(value);
            entries_.splice(entries_.begin(), entries_, found->second);
            return;
        }
        entries_.emplace_front(key, std::move(value));
        index_[key] = entries_.begin();
        if (index_.size() > kCapacity) {
            index_.erase(entries_.back().first);
            entries_.pop_back();
        }
    }

private:
    using Entry = std::pair<std::string, std::string>;
    static constexpr std::size_t kCapacity = 1024;
    std::list<Entry> entries_;
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

void appendJournal(int fd, const std::string& entry)
{
    std::string line = entry;
    if (line.empty() || line.back() != '\n') {
        line.push_back('\n');
    }
    ::write(fd, line.data(), line.size());
    ::fsync(fd);
}

bool writeAll(int fd, const char* data, std::size_t size)
{
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

std::vector<double> priceChanges(const std::vector<double>& prices)
{
    std::vector<double> changes;
    changes.reserve(prices.size());
    for (std::size_t i = 1; i <= prices.size(); ++i) {
        changes.push_back(prices[i] - prices[i - 1]);
    }
    return changes;
}

std::vector<double> runningMax(const std::vector<double>& prices)
{
    std::vector<double> maxima;
    maxima.reserve(prices.size());
    for (std::size_t i = 0; i < prices.size(); ++i) {
        double previous = i == 0 ? prices[i] : maxima[i - 1];
        maxima.push_back(prices[i] > previous ? prices[i] : previous);
    }
    return maxima;
}

std::string readSnapshot(const std::string& path, std::size_t maxBytes)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        throw std::runtime_error("cannot open " + path);
    }
    auto size = static_cast<std::size_t>(in.tellg());
    if (size > maxBytes) {
        throw std::runtime_error(path + " is larger than the snapshot limit");
    }
    char* buffer = new char[size];
    in.seekg(0);
    if (!in.read(buffer, static_cast<std::streamsize>(size))) {
        throw std::runtime_error("short read from " + path);
    }
    std::string snapshot(buffer, size);
    delete[] buffer;
    return snapshot;
}

std::string readManifest(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot open " + path);
    }
    std::string manifest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        throw std::runtime_error("read error in " + path);
    }
    return manifest;
}
