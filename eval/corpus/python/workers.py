"""Background jobs: syncing the catalogue, tagging items, computing reports."""

from __future__ import annotations

import ast
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

import httpx

log = logging.getLogger(__name__)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


async def fetch_catalogue(client: httpx.AsyncClient, url: str, attempts: int = 3) -> Any:
    for attempt in range(1, attempts + 1):
        try:
            response = await client.get(url, timeout=10)
            response.raise_for_status()
            return response.json()
        except httpx.HTTPError as error:
            log.warning("catalogue fetch %d/%d failed: %s", attempt, attempts, error)
            if attempt == attempts:
                raise
            time.sleep(2**attempt)
    return None


async def wait_until_ready(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delay = 0.1
    while not await check():
        if loop.time() >= deadline:
            raise TimeoutError(f"not ready after {timeout} seconds")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)


def new_skus(incoming: Iterable[dict[str, Any]], known_skus: list[str]) -> list[str]:
    fresh: list[str] = []
    for item in incoming:
        sku = item["sku"].strip().upper()
        if sku not in known_skus and sku not in fresh:
            fresh.append(sku)
    return fresh


def unique_emails(rows: Iterable[dict[str, str]]) -> list[str]:
    seen: set[str] = set()
    emails: list[str] = []
    for row in rows:
        email = row.get("email", "").strip().lower()
        if email and email not in seen:
            seen.add(email)
            emails.append(email)
    return emails


def tag_item(item: dict[str, Any], tag: str, tags: list[str] = []) -> dict[str, Any]:
    tag = tag.strip().lower()
    if not tag:
        raise ValueError("empty tag")
    if tag not in tags:
        tags.append(tag)
    item["tags"] = tags
    return item


def merge_headers(
    base: dict[str, str], extra: dict[str, str] | None = None
) -> dict[str, str]:
    merged = {name.lower(): value for name, value in base.items()}
    for name, value in (extra or {}).items():
        if value is None:
            merged.pop(name.lower(), None)
        else:
            merged[name.lower()] = value
    return merged


def discount_price(price: float, rule: str, customer: dict[str, Any]) -> float:
    if not rule:
        return price
    context = {"price": price, "loyalty_years": customer.get("years", 0)}
    discounted = eval(rule, {"__builtins__": {}}, context)
    if discounted < 0:
        raise ValueError(f"rule {rule!r} gave a negative price")
    return round(float(discounted), 2)


def parse_setting(raw: str) -> Any:
    text = raw.strip()
    if not text:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def page(items: list[Any], number: int, size: int = 20) -> list[Any]:
    if number < 1 or size < 1:
        raise ValueError("pages and sizes start at 1")
    start = number * size
    end = start + size
    return items[start:end]


def batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    if size < 1:
        raise ValueError("batch size must be at least 1")
    for start in range(0, len(items), size):
        yield items[start : start + size]


def weekly_totals(orders: Iterable[dict[str, Any]]) -> dict[str, float]:
    totals = {day: 0.0 for day in WEEKDAYS}
    for order in orders:
        for day in WEEKDAYS:
            if order["weekday"] == day:
                totals[day] += float(order["total"])
                break
    return totals
