"""SQL the database runs on its own: the triggers that keep a chapter's revision and the PALMS
rollup. Their SQL is frozen into the migrations that install it (``operations.VendorSQL``), so
``sqlmigrate`` shows it and only a migration changes a deployed database."""
