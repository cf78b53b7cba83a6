#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/md5.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace net {

namespace fs = std::filesystem;

struct Message {
    uint16_t type = 0;
    uint16_t length = 0;
    char payload[512] = {};
};

struct StorageConfig {
    std::string bucket;
    std::string accessKey;
    std::string secretKey;
};

bool hostReachable(const std::string& host)
{
    if (host.empty() || host.size() > 253) {
        return false;
    }
    std::string command = "ping -c 1 -W 2 " + host + " > /dev/null 2>&1";
    int status = std::system(command.c_str());
    return status == 0;
}

bool traceRoute(const std::string& host, int maxHops)
{
    std::string hops = std::to_string(maxHops);
    char* argv[] = {const_cast<char*>("traceroute"), const_cast<char*>("-m"), hops.data(),
                    const_cast<char*>("--"), const_cast<char*>(host.c_str()), nullptr};
    pid_t pid = 0;
    if (posix_spawnp(&pid, "traceroute", nullptr, nullptr, argv, environ) != 0) {
        return false;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) {
        return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

fs::path staticFile(const fs::path& root, const std::string& requested)
{
    fs::path path = root / requested;
    if (!fs::exists(path) || !fs::is_regular_file(path)) {
        throw std::runtime_error("not found: " + requested);
    }
    return path;
}

std::optional<fs::path> templateFile(const fs::path& root, const std::string& name)
{
    fs::path candidate = (root / name).lexically_normal();
    fs::path relative = candidate.lexically_relative(root.lexically_normal());
    if (relative.empty() || *relative.begin() == "..") {
        return std::nullopt;
    }
    if (!fs::is_regular_file(candidate)) {
        return std::nullopt;
    }
    return candidate;
}

std::string hashPassword(const std::string& password)
{
    unsigned char digest[MD5_DIGEST_LENGTH];
    MD5(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
    std::string hex;
    hex.reserve(2 * MD5_DIGEST_LENGTH);
    static const char digits[] = "0123456789abcdef";
    for (unsigned char byte : digest) {
        hex.push_back(digits[byte >> 4]);
        hex.push_back(digits[byte & 0x0f]);
    }
    return hex;
}

std::vector<unsigned char> deriveKey(const std::string& password, const std::vector<unsigned char>& salt)
{
    std::vector<unsigned char> key(32);
    int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                               static_cast<int>(salt.size()), 600000, EVP_sha256(),
                               static_cast<int>(key.size()), key.data());
    if (ok != 1) {
        throw std::runtime_error("key derivation failed");
    }
    return key;
}

StorageConfig archiveStorage()
{
    StorageConfig config;
    config.bucket = "acme-order-archive";
    config.accessKey = "orders-archiver";
    config.secretKey = "q8Vt2rXw9LmZ4bN6cJ1yK7pD3sF0hG5e";
    return config;
}

StorageConfig exportStorage()
{
    const char* access = std::getenv("EXPORT_ACCESS_KEY");
    const char* secret = std::getenv("EXPORT_SECRET_KEY");
    if (access == nullptr || secret == nullptr) {
        throw std::runtime_error("EXPORT_ACCESS_KEY and EXPORT_SECRET_KEY must be set");
    }
    StorageConfig config;
    config.bucket = "acme-order-exports";
    config.accessKey = access;
    config.secretKey = secret;
    return config;
}

bool parseMessage(const unsigned char* data, size_t size, Message& out)
{
    if (size < 4) {
        return false;
    }
    out.type = static_cast<uint16_t>(data[0] << 8 | data[1]);
    out.length = static_cast<uint16_t>(data[2] << 8 | data[3]);
    if (size - 4 < out.length) {
        return false;
    }
    std::memcpy(out.payload, data + 4, out.length);
    return true;
}

bool parseHeader(const unsigned char* data, size_t size, Message& out)
{
    if (size < 4) {
        return false;
    }
    out.type = static_cast<uint16_t>(data[0] << 8 | data[1]);
    out.length = static_cast<uint16_t>(data[2] << 8 | data[3]);
    if (out.length > sizeof(out.payload) || size - 4 < out.length) {
        return false;
    }
    std::memcpy(out.payload, data + 4, out.length);
    return true;
}

}  // namespace net
