"""Realistic value pools, built once from a seeded Faker and picked from with the request's RNG.

Faker costs ~5-160 µs per call, far too slow for the per-request hot path, and its global
seeding would make concurrent requests interfere. So each *category* (``email``, ``city``...)
gets a pool of values generated once, lazily on first use, from a Faker seeded with a fixed
number derived from the category name. Pools are module-level and immutable afterwards, so
the same ``random.Random`` state always picks the same value: generation stays deterministic.

``category_for(name)`` maps a property name (``firstName``, ``billing_email``, ``avatarUrl``)
to a category; the generator uses it only for strings when the schema has no ``format``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_POOL_SIZE = 64

# category -> how to produce one value from a Faker instance
_FAKER_CATEGORIES: dict[str, Callable[[Any], str]] = {
    "email": lambda f: f.safe_email(),
    "first_name": lambda f: f.first_name(),
    "last_name": lambda f: f.last_name(),
    "full_name": lambda f: f.name(),
    "username": lambda f: f.user_name(),
    "phone": lambda f: f.numerify("+1-###-###-####"),
    "city": lambda f: f.city(),
    "country": lambda f: f.country(),
    "country_code": lambda f: f.country_code(),
    "state": lambda f: f.state(),
    "street": lambda f: f.street_address(),
    "postal_code": lambda f: f.postcode(),
    "company": lambda f: f.company(),
    "url": lambda f: f.url(),
    "image_url": lambda f: f"https://picsum.photos/seed/{f.word()}/{f.random_int(100, 800)}",
    "title": lambda f: f.catch_phrase(),
    "sentence": lambda f: f.sentence(),
    "currency": lambda f: f.currency_code(),
    "color": lambda f: f.hex_color(),
    "language": lambda f: f.random_element(("en", "fr", "de", "es", "it", "pt", "nl", "ja", "zh", "ko")),
    "locale": lambda f: f.random_element(("en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "ja-JP", "pt-BR")),
    "timezone": lambda f: f.timezone(),
    "slug": lambda f: f.slug(),
    "mime": lambda f: f.mime_type(),
    "file_name": lambda f: f.file_name(),
    "domain": lambda f: f.domain_name(),
    "word": lambda f: f.word(),
    "job": lambda f: f.job(),
    "path": lambda f: "/" + f.uri_path(),
    "hostname": lambda f: f.domain_name(),
    "user_agent": lambda f: f.user_agent(),
    "status_word": lambda f: f.random_element(("active", "pending", "completed", "inactive")),
    "tag": lambda f: f.word(),
    "thing_name": lambda f: f"{f.word().title()} {f.word().title()}",
}

_POOLS: dict[str, tuple[str, ...]] = {}


def pool(category: str) -> tuple[str, ...]:
    """The (cached) value pool of ``category``; raises ``KeyError`` for an unknown one."""
    values = _POOLS.get(category)
    if values is None:
        make = _FAKER_CATEGORIES[category]
        faker = _faker()
        # A fixed per-category seed keeps each pool stable whatever order categories are first used in.
        faker.seed_instance(zlib.crc32(category.encode()))
        values = tuple(dict.fromkeys(make(faker) for _ in range(_POOL_SIZE)))
        _POOLS[category] = values
    return values


@lru_cache(maxsize=1)
def _faker() -> Any:
    from faker import Faker  # imported lazily: Faker's import costs ~100 ms

    return Faker("en_US")


def has_pool(category: str) -> bool:
    """Whether ``category`` is served from a Faker pool (others are computed from the RNG)."""
    return category in _FAKER_CATEGORIES


_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# Whole-name matches first (after joining tokens with "_"), then rules on the last token, then on any token.
_EXACT: dict[str, str] = {
    "email": "email",
    "email_address": "email",
    "mail": "email",
    "first_name": "first_name",
    "firstname": "first_name",
    "given_name": "first_name",
    "forename": "first_name",
    "last_name": "last_name",
    "lastname": "last_name",
    "family_name": "last_name",
    "surname": "last_name",
    "name": "full_name",
    "full_name": "full_name",
    "fullname": "full_name",
    "display_name": "full_name",
    "contact_name": "full_name",
    "author": "full_name",
    "owner_name": "full_name",
    "user_name": "username",
    "username": "username",
    "login": "username",
    "handle": "username",
    "nickname": "username",
    "screen_name": "username",
    "phone": "phone",
    "phone_number": "phone",
    "mobile": "phone",
    "telephone": "phone",
    "fax": "phone",
    "city": "city",
    "town": "city",
    "country": "country",
    "country_name": "country",
    "country_code": "country_code",
    "state": "state",
    "province": "state",
    "region": "state",
    "street": "street",
    "address": "street",
    "street_address": "street",
    "address_line1": "street",
    "address1": "street",
    "line1": "street",
    "zip": "postal_code",
    "zipcode": "postal_code",
    "zip_code": "postal_code",
    "postal_code": "postal_code",
    "postcode": "postal_code",
    "company": "company",
    "company_name": "company",
    "organization": "company",
    "organisation": "company",
    "org": "company",
    "employer": "company",
    "url": "url",
    "uri": "url",
    "website": "url",
    "homepage": "url",
    "home_page": "url",
    "link": "url",
    "href": "url",
    "html_url": "url",
    "title": "title",
    "subject": "title",
    "headline": "title",
    "label": "title",
    "description": "sentence",
    "summary": "sentence",
    "bio": "sentence",
    "about": "sentence",
    "comment": "sentence",
    "message": "sentence",
    "note": "sentence",
    "notes": "sentence",
    "text": "sentence",
    "body": "sentence",
    "content": "sentence",
    "details": "sentence",
    "reason": "sentence",
    "currency": "currency",
    "currency_code": "currency",
    "color": "color",
    "colour": "color",
    "language": "language",
    "lang": "language",
    "locale": "locale",
    "timezone": "timezone",
    "time_zone": "timezone",
    "tz": "timezone",
    "slug": "slug",
    "mime_type": "mime",
    "content_type": "mime",
    "media_type": "mime",
    "mimetype": "mime",
    "file_name": "file_name",
    "filename": "file_name",
    "domain": "domain",
    "domain_name": "domain",
    "host": "hostname",
    "hostname": "hostname",
    "job": "job",
    "job_title": "job",
    "occupation": "job",
    "role": "job",
    "path": "path",
    "user_agent": "user_agent",
    "status": "status_word",
    "state_name": "state",
    "tag": "tag",
    "tags": "tag",
    "keyword": "tag",
    "keywords": "tag",
    "category": "tag",
    "thing_name": "thing_name",
    # RNG-computed categories (no pool): see _strings.generate_category
    "id": "id",
    "uuid": "uuid",
    "guid": "uuid",
    "ip": "ipv4",
    "ip_address": "ipv4",
    "ipv4": "ipv4",
    "ipv6": "ipv6",
    "sha": "sha",
    "hash": "sha",
    "checksum": "sha",
    "digest": "sha",
    "etag": "sha",
    "commit": "sha",
    "token": "token",
    "secret": "token",
    "api_key": "token",
    "access_token": "token",
    "password": "token",
    "version": "version",
    "semver": "version",
    "latitude": "latitude",
    "lat": "latitude",
    "longitude": "longitude",
    "lng": "longitude",
    "lon": "longitude",
    "long": "longitude",
    "age": "age",
    "year": "year",
    "port": "port",
    "price": "money",
    "amount": "money",
    "cost": "money",
    "total": "money",
    "balance": "money",
    "subtotal": "money",
    "fee": "money",
    "salary": "money",
    "count": "count",
    "quantity": "count",
    "qty": "count",
    "size": "count",
    "number": "count",
    "page": "page",
    "per_page": "count",
    "limit": "count",
    "offset": "count",
    "month": "month",
    "exp_month": "month",
    "day": "day",
    "hour": "hour",
    "minute": "minute",
    "rating": "rating",
    "stars": "rating",
    "percent": "percent",
    "percentage": "percent",
    "last4": "last4",
    "last_4": "last4",
    "cvc": "cvc",
    "cvv": "cvc",
}

_LAST_TOKEN: dict[str, str] = {
    "email": "email",
    "mail": "email",
    "name": "full_name",
    "username": "username",
    "login": "username",
    "phone": "phone",
    "city": "city",
    "country": "country",
    "street": "street",
    "address": "street",
    "zip": "postal_code",
    "zipcode": "postal_code",
    "postcode": "postal_code",
    "url": "url",
    "uri": "url",
    "link": "url",
    "website": "url",
    "homepage": "url",
    "href": "url",
    "title": "title",
    "description": "sentence",
    "summary": "sentence",
    "bio": "sentence",
    "comment": "sentence",
    "message": "sentence",
    "note": "sentence",
    "text": "sentence",
    "currency": "currency",
    "color": "color",
    "colour": "color",
    "language": "language",
    "locale": "locale",
    "timezone": "timezone",
    "slug": "slug",
    "filename": "file_name",
    "domain": "domain",
    "hostname": "hostname",
    "host": "hostname",
    "path": "path",
    "id": "id",
    "uuid": "uuid",
    "guid": "uuid",
    "ip": "ipv4",
    "sha": "sha",
    "hash": "sha",
    "digest": "sha",
    "checksum": "sha",
    "token": "token",
    "secret": "token",
    "key": "token",
    "version": "version",
    "latitude": "latitude",
    "longitude": "longitude",
    "at": "datetime",
    "time": "datetime",
    "timestamp": "datetime",
    "date": "date",
    "on": "datetime",
    "price": "money",
    "amount": "money",
    "cost": "money",
    "total": "money",
    "balance": "money",
    "fee": "money",
    "count": "count",
    "quantity": "count",
    "status": "status_word",
    "tags": "tag",
    "tag": "tag",
    "age": "age",
    "year": "year",
    "port": "port",
    "code": "code",
    "type": "word",
    "month": "month",
    "day": "day",
    "hour": "hour",
    "minute": "minute",
    "rating": "rating",
    "percent": "percent",
    "percentage": "percent",
    "last4": "last4",
    "kind": "word",
    "avatar": "image_url",
    "image": "image_url",
    "photo": "image_url",
    "picture": "image_url",
    "thumbnail": "image_url",
    "logo": "image_url",
    "icon": "image_url",
}

_ANY_TOKEN: tuple[tuple[str, str], ...] = (
    ("avatar", "image_url"),
    ("image", "image_url"),
    ("photo", "image_url"),
    ("picture", "image_url"),
    ("email", "email"),
    ("url", "url"),
    ("date", "datetime"),
    ("created", "datetime"),
    ("updated", "datetime"),
    ("modified", "datetime"),
    ("deleted", "datetime"),
    ("expires", "datetime"),
    ("phone", "phone"),
    ("description", "sentence"),
)


_PERSON = re.compile(
    r"user|person|people|customer|owner|author|contact|member|account|employee|profile|assignee|creator|"
    r"sender|recipient|buyer|seller|actor|admin|collaborator|committer|reviewer|manager|patient|student|"
    r"teacher|driver|guest|client|subscriber|speaker|agent|staff|human|individual|signer|holder|payer",
    re.IGNORECASE,
)
_PET = re.compile(r"pet|dog|cat\b|animal|horse", re.IGNORECASE)


@lru_cache(maxsize=8192)
def naming_hint(prop: str, context: str | None) -> str:
    """The name to generate property ``prop`` with, inside an object known as ``context``.

    ``context`` is the object's schema name (``simple-user``, ``Pet``, ``label``) or the
    property holding it (``owner``). A bare ``name`` is a person's full name only in
    person-like objects; a pet gets a first name, anything else a two-word title.

    Example:
        >>> naming_hint("name", "simple-user"), naming_hint("name", "Pet"), naming_hint("name", "label")
        ('name', 'first_name', 'thing_name')
    """
    if prop.lower() != "name" or not context or _PERSON.search(context):
        return prop
    return "first_name" if _PET.search(context) else "thing_name"


@lru_cache(maxsize=8192)
def category_for(name: str) -> str | None:
    """The value category of a property called ``name``, or ``None`` for no opinion.

    Example:
        >>> category_for("billingEmail"), category_for("created_at"), category_for("avatarUrl")
        ('email', 'datetime', 'image_url')
    """
    tokens = [t.lower() for t in _TOKEN_SPLIT.split(name) if t]
    if not tokens:
        return None
    joined = "_".join(tokens)
    found = _EXACT.get(joined) or _EXACT.get(joined.replace("_", ""))
    if found:
        return found
    if (
        len(tokens) > 1
        and tokens[-1] == "url"
        and tokens[-2] in ("avatar", "image", "photo", "picture", "logo", "icon", "thumbnail")
    ):
        return "image_url"
    if tokens[-1] == "id" or tokens[-1] == "ids":
        return "id"
    found = _LAST_TOKEN.get(tokens[-1])
    if found:
        return found
    for token, category in _ANY_TOKEN:
        if token in tokens:
            return category
    return None
