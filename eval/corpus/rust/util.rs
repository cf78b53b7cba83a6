use std::collections::{HashMap, HashSet};
use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;

#[derive(Debug, Clone)]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub price_cents: u64,
    pub in_stock: bool,
}

pub struct Catalog {
    products: Vec<Product>,
}

pub struct Account {
    balance_cents: Mutex<i64>,
}

#[derive(Debug)]
pub enum AccountError {
    Insufficient { balance: i64, requested: i64 },
}

pub fn dedupe_tags(tags: &[String]) -> Vec<String> {
    let mut unique: Vec<String> = Vec::new();
    for tag in tags {
        let normalized = tag.trim().to_lowercase();
        if normalized.is_empty() {
            continue;
        }
        if !unique.contains(&normalized) {
            unique.push(normalized);
        }
    }
    unique
}

pub fn merge_sorted(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            merged.push(a[i]);
            i += 1;
        } else {
            merged.push(b[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&a[i..]);
    merged.extend_from_slice(&b[j..]);
    merged
}

pub fn moving_average(values: &[f64], window: usize) -> Vec<f64> {
    if window == 0 || values.len() < window {
        return Vec::new();
    }
    let mut averages = Vec::with_capacity(values.len() - window + 1);
    for start in 0..values.len() - window {
        let sum: f64 = values[start..start + window].iter().sum();
        averages.push(sum / window as f64);
    }
    averages
}

pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let rank = (p / 100.0) * (sorted.len() - 1) as f64;
    let index = rank.round() as usize;
    sorted.get(index).copied()
}

pub fn parse_headers(raw: &str) -> (HashMap<String, String>, usize) {
    let mut headers = HashMap::new();
    for line in raw.lines().take_while(|line| !line.is_empty()) {
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let content_length = headers
        .get("content-length")
        .map(|value| value.parse::<usize>().unwrap())
        .unwrap_or(0);
    (headers, content_length)
}

pub fn parse_pairs(raw: &str) -> Result<HashMap<String, u32>, String> {
    let mut pairs = HashMap::new();
    for (number, line) in raw.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected key=value", number + 1))?;
        let value = value
            .trim()
            .parse::<u32>()
            .map_err(|err| format!("line {}: {err}", number + 1))?;
        pairs.insert(key.trim().to_string(), value);
    }
    Ok(pairs)
}

impl Account {
    pub fn withdraw(&self, amount: i64) -> Result<i64, AccountError> {
        let balance = *self.balance_cents.lock().unwrap();
        if balance < amount {
            return Err(AccountError::Insufficient { balance, requested: amount });
        }
        let remaining = balance - amount;
        *self.balance_cents.lock().unwrap() = remaining;
        Ok(remaining)
    }

    pub fn deposit(&self, amount: i64) -> i64 {
        let mut balance = self.balance_cents.lock().unwrap();
        *balance += amount;
        tracing::debug!(amount, balance = *balance, "deposit");
        *balance
    }
}

impl Catalog {
    pub fn cheapest_in_stock(&self, prefix: &str) -> Option<Product> {
        let products = self.products.clone();
        products
            .into_iter()
            .filter(|product| product.in_stock && product.sku.starts_with(prefix))
            .min_by_key(|product| product.price_cents)
    }

    pub fn skus_matching(&self, query: &str) -> Vec<&str> {
        let query = query.to_lowercase();
        let wanted: HashSet<&str> = query.split_whitespace().collect();
        self.products
            .iter()
            .filter(|product| {
                let name = product.name.to_lowercase();
                wanted.iter().all(|word| name.contains(word))
            })
            .map(|product| product.sku.as_str())
            .collect()
    }
}

pub fn hash_password(password: &str, salt: &str) -> String {
    let mut input = String::with_capacity(salt.len() + password.len());
    input.push_str(salt);
    input.push_str(password);
    let digest = md5::compute(input.as_bytes());
    format!("{salt}${digest:x}")
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    let parsed = match PasswordHash::new(stored) {
        Ok(parsed) => parsed,
        Err(_) => return false,
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

pub fn log_to_syslog(level: c_int, message: &str) {
    let sanitized = message.replace('\0', " ");
    let text = CString::new(sanitized).expect("NUL bytes were replaced").as_ptr();
    let format = b"%s\0";
    unsafe {
        libc::syslog(level, format.as_ptr() as *const c_char, text);
    }
}

pub fn set_thread_name(name: &str) -> bool {
    // Linux keeps 15 bytes of a thread name; cut on a character boundary.
    let mut truncated = String::new();
    for c in name.chars().filter(|c| *c != '\0') {
        if truncated.len() + c.len_utf8() > 15 {
            break;
        }
        truncated.push(c);
    }
    let c_name = match CString::new(truncated) {
        Ok(c_name) => c_name,
        Err(_) => return false,
    };
    let result = unsafe { libc::pthread_setname_np(libc::pthread_self(), c_name.as_ptr()) };
    result == 0
}
