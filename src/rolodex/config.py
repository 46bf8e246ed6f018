"""Settings, read from ROLODEX_* environment variables, and the garbage collector's policy in a
process that serves or imports."""

import gc
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set; each field is the variable ROLODEX_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ROLODEX_", extra="ignore")

    database_url: str = "sqlite:///./rolodex.db"
    # PostgreSQL streaming replicas (comma-separated URLs) that API reads may go to, with
    # read-your-writes (rolodex.storage.replicas; needs redis_url). Empty: every read goes to
    # database_url.
    database_replica_urls: str = ""
    # Largest request body accepted, in bytes (contract §7: default 10 MiB).
    max_body_bytes: int = 10 * 1024 * 1024
    # Calls per instance per UTC day (a per-instance override is set with the CLI); 0 = no limit.
    rate_limit_daily: int = 100_000
    # Calls per API key per second (Insightly's burst limit); 0 = no limit.
    rate_limit_per_second: int = 10
    # PostgreSQL connection pool per server process.
    pool_size: int = 10
    # Write transactions one server process runs at once, in threads (0: 1 on SQLite, whose
    # writers take turns anyway; 2 on PostgreSQL). Reads run on the event loop.
    write_threads: int = Field(default=0, ge=0)
    # How many times a write transaction is retried after a deadlock or a busy database.
    write_retries: int = 5
    # Where file attachments and record images are kept. Empty: a folder "files" beside a
    # SQLite database file, else ./files.
    files_dir: str = ""
    # Largest file upload or record image, in bytes; upload routes use it, not max_body_bytes.
    max_upload_bytes: int = 25 * 1024 * 1024
    # How long GET /v3.1/{Coll}/Deleted remembers a deleted record, in days.
    tombstone_days: int = 90
    # Region (ISO 3166 alpha-2) of phone numbers written without a country code, for the CTI
    # lookup's E.164 index; after changing it run `rolodex db reindex-phones`.
    default_phone_region: str = "US"
    # redis://host:port/db: CTI screen pops reach pages served by other server processes through
    # Redis pub/sub. Empty: PostgreSQL LISTEN/NOTIFY on PostgreSQL, else within this process.
    redis_url: str = ""
    # The mail domain of records' dropbox addresses (GET .../LinkEmailAddress; rolodex.domain.
    # dropbox): mail to lead-1-42@<domain>, imported with `rolodex emails import`, is linked to
    # lead 42 of instance 1. The default is a reserved name no mail reaches: set a domain whose
    # mail you import.
    dropbox_domain: str = "dropbox.rolodex.invalid"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()


# The collector's thresholds in a serving process and an import (Python's are 700, 10, 10). A
# page of 100 records allocates tens of thousands of objects, nearly all freed by reference
# counting; with the defaults a list request paid 8% of its time in collections, and every so
# often a full collection walked the whole heap (250,000 objects) for about 100 ms, the p99 of
# every request waiting behind it. Measured in-process on 100,000 contacts: 5.6 ms of CPU per
# list request by default, 5.0 ms with the heap frozen and these thresholds, the longest
# 112 ms -> 9 ms. `rolodex import` of 100,000 contacts with tags and custom fields on SQLite:
# 4,997 -> 5,299 rows/s.
GC_THRESHOLDS = (10_000, 20, 20)


def collect_less() -> None:
    """What the process built so far (modules, routes, the record types' statements) frozen
    out of the collector's reach (gc.freeze: it lives as long as the process), and collections
    made rarer (GC_THRESHOLDS)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
