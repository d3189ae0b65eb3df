# The search across chapters (DOMAIN.md "Beyond the chapter"): a member of another chapter is
# found by name, company, trade, chapter or city. Each member row carries that text, lower-cased
# and without accents (``directory_text``); PostgreSQL's triggers write it whenever the member
# row or a row it names (the user, the trade, the chapter) changes, and a trigram index over
# that text answers a search across a region of a thousand chapters. The
# chapter triggers fire only when the name or the city changes: chapter rows are rewritten on
# every slip (their revision). The trigger SQL is frozen here; SQLite keeps the column empty
# and ``members.selectors.members_elsewhere`` matches the joined columns there instead.

from django.db import migrations, models

from triggers.operations import VendorSQL

#: The same fold for the stored text and for the words searched, so they always compare alike.
#: Immutable (the dictionary is named, so no search path can change it): the planner folds a
#: searched word into a constant pattern and estimates the trigram index with it.
FOLD = (
    "CREATE OR REPLACE FUNCTION slipstream_directory_fold(value text) RETURNS text "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
    "AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$"
)
MEMBER_TEXT = (
    "CREATE OR REPLACE FUNCTION slipstream_directory_text() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN NEW.directory_text := slipstream_directory_fold(concat_ws(' ', "
    "(SELECT concat_ws(' ', u.first_name, u.last_name) FROM members_user u "
    "WHERE u.id = NEW.user_id), "
    "NEW.company, "
    "(SELECT c.name FROM members_classification c WHERE c.id = NEW.classification_id), "
    "(SELECT concat_ws(' ', ch.name, ch.city) FROM members_chapter ch "
    "WHERE ch.id = NEW.chapter_id))); "
    "RETURN NEW; END $$"
)


#: An update of what a member's text shows, in a row the member points at (a user's name, a
#: trade's name, a chapter's name or city), rewrites the text of the members pointing at it:
#: the member's own trigger composes it again.
TOUCH = [
    "CREATE OR REPLACE FUNCTION slipstream_directory_user() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN UPDATE members_member SET directory_text = '' WHERE user_id = NEW.id; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER slipstream_directory_user AFTER UPDATE ON members_user FOR EACH ROW "
    "WHEN (OLD.first_name IS DISTINCT FROM NEW.first_name "
    "OR OLD.last_name IS DISTINCT FROM NEW.last_name) "
    "EXECUTE FUNCTION slipstream_directory_user()",
    "CREATE OR REPLACE FUNCTION slipstream_directory_classification() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN UPDATE members_member SET directory_text = '' "
    "WHERE classification_id = NEW.id; RETURN NULL; END $$",
    "CREATE TRIGGER slipstream_directory_classification AFTER UPDATE ON members_classification "
    "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) "
    "EXECUTE FUNCTION slipstream_directory_classification()",
    "CREATE OR REPLACE FUNCTION slipstream_directory_chapter() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN UPDATE members_member SET directory_text = '' WHERE chapter_id = NEW.id; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER slipstream_directory_chapter AFTER UPDATE ON members_chapter FOR EACH ROW "
    "WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.city IS DISTINCT FROM NEW.city) "
    "EXECUTE FUNCTION slipstream_directory_chapter()",
]
UNTOUCH = [
    "DROP TRIGGER IF EXISTS slipstream_directory_chapter ON members_chapter",
    "DROP FUNCTION IF EXISTS slipstream_directory_chapter()",
    "DROP TRIGGER IF EXISTS slipstream_directory_classification ON members_classification",
    "DROP FUNCTION IF EXISTS slipstream_directory_classification()",
    "DROP TRIGGER IF EXISTS slipstream_directory_user ON members_user",
    "DROP FUNCTION IF EXISTS slipstream_directory_user()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_chapter_revision"),
    ]

    operations = [
        # The columns are added in place on both engines. SQLite's schema editor would rebuild
        # both tables for a NOT NULL column, and renaming the rebuilt table fails while the
        # revision triggers (pages.kept) name it; a default lets SQLite add it in place.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="chapter",
                    name="city",
                    field=models.CharField(blank=True, db_default="", default="", max_length=120),
                ),
                migrations.AddField(
                    model_name="member",
                    name="directory_text",
                    field=models.TextField(blank=True, db_default="", default="", editable=False),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "ALTER TABLE members_chapter ADD COLUMN city varchar(120) "
                        "DEFAULT '' NOT NULL",
                        "ALTER TABLE members_member ADD COLUMN directory_text text "
                        "DEFAULT '' NOT NULL",
                    ],
                    reverse_sql=[
                        "ALTER TABLE members_member DROP COLUMN directory_text",
                        "ALTER TABLE members_chapter DROP COLUMN city",
                    ],
                ),
            ],
        ),
        # Both extensions are trusted (a database owner may create them); they stay when the
        # migration is reversed, as something else may have come to use them.
        VendorSQL(
            "postgresql",
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
        VendorSQL(
            "postgresql",
            sql=[
                FOLD,
                MEMBER_TEXT,
                "CREATE TRIGGER slipstream_directory_text BEFORE INSERT OR UPDATE "
                "ON members_member FOR EACH ROW EXECUTE FUNCTION slipstream_directory_text()",
                *TOUCH,
                # Every existing row composes its text once.
                "UPDATE members_member SET directory_text = ''",
                # Every member, not only the active ones: the app's statements are prepared
                # and planned once for any parameters (chapter/settings.py), and such a plan
                # cannot prove a partial index's ``status = 'active'`` from ``status = $1``.
                # Without a pending list (fastupdate): members are written rarely and searched
                # often, and a fresh import is searchable through the index at once, not only
                # after the next vacuum.
                "CREATE INDEX member_directory_search ON members_member "
                "USING gin (directory_text gin_trgm_ops) WITH (fastupdate = off)",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS member_directory_search",
                *UNTOUCH,
                "DROP TRIGGER IF EXISTS slipstream_directory_text ON members_member",
                "DROP FUNCTION IF EXISTS slipstream_directory_text()",
                "DROP FUNCTION IF EXISTS slipstream_directory_fold(text)",
            ],
        ),
    ]
