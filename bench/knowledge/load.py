"""Load N knowledge articles into PostgreSQL for the knowledge search benchmark (bench/knowledge).

THIS IS A BULK DATA LOADER FOR A BENCHMARK. It bypasses busbar/knowledge/actions.py on purpose: the rows
(kernel records, articles, one or two versions each, audience roles) are generated in Python and written
with PostgreSQL ``COPY``; the search documents of every article are then computed in one ``UPDATE`` with the
very expressions ``busbar.knowledge.search.index`` uses (title and keywords A, summary B, body C, English).
Never point it at a database you care about.

What it makes (defaults; see ``--help``):

* the demo's parties, people and services (``busbar demo``), once;
* ``--n`` articles (default 100,000): 90 % published, 4 % draft, 3 % in review, 3 % retired; audiences
  70 % every participant, 20 % certain roles (one or two participant roles), 10 % desk and providers;
  spread over the demo's services (15 % on every service); bodies of 120–450 words drawn from a
  vocabulary of ~1,900 words with a Zipf-like frequency (so a few domain words such as "switch" or
  "registration" are in a large share of the articles, as in a real knowledge base, and most words are
  rare); titles from realistic templates; a fifth of the published articles have a second version.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_kb
    .venv/bin/python bench/knowledge/load.py --n 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

DOMAIN = """switch switching registration register registered supplier suppliers gaining losing objection
objections withdrawal request requests rejected rejection reason code codes address addresses
premises meter meters metering point points mpan mprn uprn gas electricity shipper shippers
transporter network operator distribution mprs css ecoes des dcc dsp smart smets2 credentials
certificate certificates expired expiry renew renewal portal sign authenticator recovery password
account administrator organisation flow flows d0055 d0205 d0260 dtn message messages file files
upload uploads bulk batch timeout timed pending secured confirmed confirmation notification
notifications interface endpoint api http error errors 500 503 504 retry retries latency outage
degraded service services status incident incidents problem problems workaround workarounds known
fix release change changes maintenance window planned enquiry enquiries search history export report
reports csv column columns settlement half hourly mhhs dip consumption reading readings register
registers import related prepayment credit debt tariff customer customers agent agents data
aggregator collector mop dc da validation validate invalid duplicate missing wrong incorrect stale
delayed delay late early gate closure schedule daily weekly monthly bank holiday clock overnight
morning evening duty manager desk analyst triage severity priority major minor bulletin escalation
provider providers resolver resolution resolved closed reopened cancelled assigned acknowledged
acknowledgement response responses target targets sla breach""".split()  # noqa: SIM905 - a text, easier to read and extend
COMMON = """the a to of and in is for on with be that this it as are by from or your you not if when can will
have has at an was were their they which after before then there each all any more one two three
first next check use using see ask tell send sent sends receive received make made find found need
needs should must may still only also same other new old until within about into over under again
back up out day days hour hours minute minutes time times today yesterday week number numbers list
lists step steps page pages field fields value values case cases example examples part whole usual
usually normal normally often sometimes already""".split()  # noqa: SIM905
TITLES = [
    "{a} {b}: what to do",
    "Why {a} {b} is {c}",
    "{a} {b} {c} after a switch",
    "How to {v} a {a} {b}",
    "{a} {b}: {c} {d} and how to fix it",
    "When {a} shows the {c} {b}",
    "{a} errors on the {b} {d}",
    "Checking {a} {b} before you raise an incident",
]
VERBS = ["renew", "withdraw", "resubmit", "correct", "export", "search", "confirm", "reset", "check", "read"]
STATUS_SHARE = [("published", 0.90), ("draft", 0.04), ("review", 0.03), ("retired", 0.03)]
AUDIENCE_SHARE = [("everyone", 0.70), ("roles", 0.20), ("staff", 0.10)]
ROLES = ["energy_supplier", "gas_shipper", "dno", "gas_transporter", "supplier_agent"]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    os.environ.setdefault("BUSBAR_DATA_DIR", str(Path(tempfile.gettempdir()) / "busbar_kb_var"))
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(24).hex())
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the benchmark PostgreSQL database (postgres://…/busbar_kb)")
    import django

    django.setup()


class Words:
    """Words as a knowledge base has them: each article is about a topic (a handful of domain words it
    uses often), written with common words; now and then any other word. Frequencies within each group
    are Zipf-like, so a few words are in many articles and most are rare."""

    TOPICS = 80

    def __init__(self, rng: random.Random) -> None:
        import bisect

        self.rng = rng
        self.bisect = bisect.bisect
        extra = [f"{w}{s}" for w in DOMAIN for s in ("s", "ed", "ing")]
        self.domain = DOMAIN + extra
        self.common = COMMON
        self.topics = [rng.sample(DOMAIN, rng.randint(6, 14)) for _ in range(self.TOPICS)]
        self.cum_domain = self._cumulative(len(self.domain))
        self.cum_common = self._cumulative(len(self.common))
        self.topic: list[str] = self.topics[0]

    @staticmethod
    def _cumulative(n: int) -> list[float]:
        total, out = 0.0, []
        for rank in range(n):
            total += 1 / (rank + 3) ** 1.1
            out.append(total)
        return out

    def about(self) -> None:
        """Start an article: choose its topic."""
        self.topic = self.topics[min(int(self.rng.expovariate(1 / 18)), self.TOPICS - 1)]

    def _zipf(self, words: list[str], cum: list[float]) -> str:
        return words[self.bisect(cum, self.rng.random() * cum[-1])]

    def word(self) -> str:
        x = self.rng.random()
        if x < 0.35:
            return self.rng.choice(self.topic)
        if x < 0.97:
            return self._zipf(self.common, self.cum_common)
        return self._zipf(self.domain, self.cum_domain)

    def term(self) -> str:
        """A word for a title or keyword: from the topic, mostly."""
        return (
            self.rng.choice(self.topic)
            if self.rng.random() < 0.8
            else self._zipf(self.domain, self.cum_domain)
        )

    def sentence(self, n: int) -> str:
        return (" ".join(self.word() for _ in range(n))).capitalize() + "."


def pick(rng: random.Random, shares: list[tuple[str, float]]) -> str:
    x, acc = rng.random(), 0.0
    for value, share in shares:
        acc += share
        if x < acc:
            return value
    return shares[-1][0]


def copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
        for row in rows:
            out.write_row(row)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from busbar.accounts.models import User
    from busbar.parties.models import Organisation
    from busbar.services.models import Service

    started = time.perf_counter()
    if not User.objects.filter(email="analyst@operator.example").exists():
        call_command("demo", stdout=io.StringIO())
    services = list(Service.objects.filter(is_active=True).values_list("pk", "provider_id", "name"))
    operator = Organisation.objects.get(slug="switching-operator").pk
    author = User.objects.get(email="resolver@cssp.example").pk
    rng = random.Random(args.seed)
    words = Words(rng)
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM records_record")
        record_id = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM knowledge_article")
        article_id = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM knowledge_articleversion")
        version_id = cursor.fetchone()[0]
        cursor.execute("SELECT last FROM records_sequence WHERE prefix = 'KB'")
        row = cursor.fetchone()
        number = row[0] if row else 0
        made = 0
        while made < args.n:
            size = min(args.batch, args.n - made)
            records, articles, versions, roles = [], [], [], []
            for _ in range(size):
                record_id += 1
                article_id += 1
                number += 1
                reference = f"KB{number:07d}"
                created = now - dt.timedelta(days=rng.uniform(1, 1500))
                service = rng.choice(services) if rng.random() > 0.15 else None
                status = pick(rng, STATUS_SHARE)
                audience = pick(rng, AUDIENCE_SHARE)
                words.about()
                a, b, c, d = (words.term() for _ in range(4))
                title = rng.choice(TITLES).format(a=a.capitalize(), b=b, c=c, d=d, v=rng.choice(VERBS))[:200]
                summary = words.sentence(rng.randint(10, 22))[:300]
                body = "\n\n".join(words.sentence(rng.randint(8, 20)) for _ in range(rng.randint(10, 28)))
                keywords = " ".join(words.term() for _ in range(rng.randint(0, 4)))
                owner = service[1] if service else operator
                records.append((record_id, "article", reference, created, False, False, False, 0))
                versions_here = 2 if status == "published" and rng.random() < 0.2 else 1
                for v in range(1, versions_here + 1):
                    version_id += 1
                    if status == "published":
                        state = "published" if v == versions_here else "superseded"
                    elif status == "retired":
                        state = "published"
                    else:
                        state = status if status in ("draft", "review") else "draft"
                    published_at = (
                        created + dt.timedelta(days=v) if state in ("published", "superseded") else None
                    )
                    text = body if v == versions_here else body[: len(body) // 2]
                    versions.append(
                        (
                            version_id,
                            article_id,
                            v,
                            state,
                            title,
                            summary,
                            text,
                            f"<p>{text}</p>",
                            text,
                            "",
                            author,
                            "Tom Hughes",
                            created,
                            created,
                            published_at,
                        )
                    )
                last = version_id
                published = last if status in ("published", "retired") else None
                working = last if status in ("draft", "review") else None
                articles.append(
                    (
                        article_id,
                        record_id,
                        reference,
                        title,
                        summary,
                        service[0] if service else None,
                        status,
                        audience,
                        owner,
                        author,
                        "",
                        keywords,
                        published,
                        working,
                        rng.randint(0, 40),
                        rng.randint(0, 8),
                        0,
                        created,
                        created + dt.timedelta(days=versions_here),
                        created if published else None,
                        created if published else None,
                        created + dt.timedelta(days=30) if status == "retired" else None,
                    )
                )
                if audience == "roles":
                    for role in rng.sample(ROLES, rng.randint(1, 2)):
                        roles.append((article_id, role))
            copy(
                cursor,
                "records_record",
                [
                    "id",
                    "kind",
                    "reference",
                    "created_at",
                    "response_breached",
                    "resolution_breached",
                    "sla_paused",
                    "sla_notified",
                ],
                records,
            )
            copy(
                cursor,
                "knowledge_article",
                [
                    "id",
                    "record_id",
                    "reference",
                    "title",
                    "summary",
                    "service_id",
                    "status",
                    "audience",
                    "owner_id",
                    "author_id",
                    "external_url",
                    "keywords",
                    "published_version_id",
                    "working_version_id",
                    "helpful_count",
                    "unhelpful_count",
                    "open_irregularities",
                    "created_at",
                    "updated_at",
                    "first_published_at",
                    "published_at",
                    "retired_at",
                ],
                [(*a[:12], None, None, *a[14:]) for a in articles],
            )
            copy(
                cursor,
                "knowledge_articleversion",
                [
                    "id",
                    "article_id",
                    "number",
                    "state",
                    "title",
                    "summary",
                    "body",
                    "body_html",
                    "body_text",
                    "change_note",
                    "author_id",
                    "author_label",
                    "created_at",
                    "updated_at",
                    "published_at",
                ],
                versions,
            )
            cursor.execute(
                "UPDATE knowledge_article a SET published_version_id = v.p, working_version_id = v.w "
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS p, "
                "unnest(%s::bigint[]) AS w) v "
                "WHERE a.id = v.id",
                [[a[0] for a in articles], [a[12] for a in articles], [a[13] for a in articles]],
            )
            copy(cursor, "knowledge_articleaudiencerole", ["article_id", "role"], roles)
            made += size
            print(f"{made:,} articles", flush=True)
        cursor.execute(
            "INSERT INTO records_sequence (prefix, last) VALUES ('KB', %s) "
            "ON CONFLICT (prefix) DO UPDATE SET last = EXCLUDED.last",
            [number],
        )
        for table in ("records_record", "knowledge_article", "knowledge_articleversion"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        print("search documents…", flush=True)
        # The expression of busbar.knowledge.search.index, for every article at once.
        cursor.execute(
            """
            UPDATE knowledge_article a
            SET search_vector = h.heading || setweight(to_tsvector('english', h.body), 'C'),
                summary_vector = h.heading
            FROM (
                SELECT v.id, v.body_text AS body,
                    setweight(to_tsvector('english', v.title), 'A')
                    || setweight(to_tsvector('english', a2.keywords), 'A')
                    || setweight(to_tsvector('english', v.summary), 'B') AS heading
                FROM knowledge_articleversion v JOIN knowledge_article a2 ON a2.id = v.article_id
            ) h
            WHERE h.id = COALESCE(a.published_version_id, a.working_version_id)
            """
        )
    connection.close()
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"{args.n:,} articles loaded in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
