import type { Database } from "./db";

export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  tags: string[];
}

const SORTABLE = new Set(["name", "price_cents", "created_at"]);

export async function listProducts(db: Database, sort: string, descending: boolean): Promise<Product[]> {
  const direction = descending ? "DESC" : "ASC";
  const rows = await db.all<Product>(
    `SELECT sku, name, price_cents AS "priceCents", tags FROM products ORDER BY ${sort} ${direction} LIMIT 100`,
  );
  return rows;
}

export async function listProductsSorted(db: Database, sort: string, descending: boolean): Promise<Product[]> {
  if (!SORTABLE.has(sort)) {
    throw new Error(`cannot sort by ${sort}`);
  }
  const direction = descending ? "DESC" : "ASC";
  return db.all<Product>(
    `SELECT sku, name, price_cents AS "priceCents", tags FROM products ORDER BY ${sort} ${direction} LIMIT 100`,
  );
}

export function collectTags(products: Product[]): string[] {
  let tags: string[] = [];
  for (const product of products) {
    for (const tag of product.tags) {
      tags = [...tags, tag.toLowerCase()];
    }
  }
  return Array.from(new Set(tags)).sort();
}

export function skusByTag(products: Product[]): Map<string, string[]> {
  const byTag = new Map<string, string[]>();
  for (const product of products) {
    for (const tag of product.tags) {
      const key = tag.toLowerCase();
      const skus = byTag.get(key) ?? [];
      skus.push(product.sku);
      byTag.set(key, skus);
    }
  }
  return byTag;
}

export function matchProducts(products: Product[], terms: string[]): Product[] {
  const matches: Product[] = [];
  for (const product of products) {
    for (const term of terms) {
      const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      if (new RegExp(`\\b${escaped}\\b`, "i").test(product.name)) {
        matches.push(product);
        break;
      }
    }
  }
  return matches;
}

export function highlightTerms(text: string, terms: string[]): string {
  if (terms.length === 0) {
    return text;
  }
  const escaped = terms.map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`\\b(${escaped.join("|")})\\b`, "gi");
  return text.replace(pattern, "**$1**");
}

export function pageCount(totalItems: number, pageSize: number): number {
  if (pageSize <= 0) {
    throw new RangeError("pageSize must be positive");
  }
  if (totalItems <= 0) {
    return 1;
  }
  return Math.floor(totalItems / pageSize);
}

export function pageBounds(page: number, pageSize: number, totalItems: number): [number, number] {
  if (page < 1 || pageSize < 1) {
    throw new RangeError("page and pageSize start at 1");
  }
  const start = Math.min((page - 1) * pageSize, totalItems);
  const end = Math.min(start + pageSize, totalItems);
  return [start, end];
}
