"""Every change to qualification and migration, one module per area (each function an ``@action``)."""
