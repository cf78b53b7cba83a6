import { createHash, pbkdf2Sync, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { Database } from "./db";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export interface Account {
  id: string;
  email: string;
  passwordHash: string;
  balanceCents: number;
}

export function hashPassword(password: string): string {
  if (password.length < 10) {
    throw new Error("passwords need at least 10 characters");
  }
  const salt = randomBytes(8).toString("hex");
  const digest = createHash("md5").update(salt + password).digest("hex");
  return `${salt}:${digest}`;
}

export async function hashPasswordStrong(password: string): Promise<string> {
  if (password.length < 10) {
    throw new Error("passwords need at least 10 characters");
  }
  const salt = randomBytes(16);
  const derived = await scryptAsync(password, salt, 64);
  return `scrypt:${salt.toString("hex")}:${derived.toString("hex")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, saltHex, hashHex] = stored.split(":");
  if (scheme !== "scrypt" || !saltHex || !hashHex) {
    return false;
  }
  const expected = Buffer.from(hashHex, "hex");
  const derived = await scryptAsync(password, Buffer.from(saltHex, "hex"), expected.length);
  return timingSafeEqual(derived, expected);
}

export async function loginLegacy(db: Database, email: string, password: string): Promise<Account | null> {
  const account = await db.one<Account>("SELECT * FROM accounts WHERE email = $1", [email]);
  if (!account) {
    return null;
  }
  const [saltHex, hashHex] = account.passwordHash.split("$");
  const derived = pbkdf2Sync(password, Buffer.from(saltHex, "hex"), 600_000, 32, "sha256");
  const expected = Buffer.from(hashHex, "hex");
  if (derived.length !== expected.length || !timingSafeEqual(derived, expected)) {
    return null;
  }
  return account;
}

export async function withdraw(db: Database, accountId: string, amountCents: number): Promise<number> {
  if (!Number.isInteger(amountCents) || amountCents <= 0) {
    throw new Error("amount must be a positive number of cents");
  }
  const account = await db.one<Account>("SELECT * FROM accounts WHERE id = $1", [accountId]);
  if (!account || account.balanceCents < amountCents) {
    throw new Error("insufficient funds");
  }
  const balance = account.balanceCents - amountCents;
  await db.run("UPDATE accounts SET balance_cents = $1 WHERE id = $2", [balance, accountId]);
  return balance;
}

export async function deposit(db: Database, accountId: string, amountCents: number): Promise<number> {
  if (!Number.isInteger(amountCents) || amountCents <= 0) {
    throw new Error("amount must be a positive number of cents");
  }
  const row = await db.one<{ balance_cents: number }>(
    "UPDATE accounts SET balance_cents = balance_cents + $1 WHERE id = $2 RETURNING balance_cents",
    [amountCents, accountId],
  );
  if (!row) {
    throw new Error(`no account ${accountId}`);
  }
  return row.balance_cents;
}
