"""Every change to test assurance, one module per area; each function an ``@action`` refused by
:mod:`busbar.testing.permissions` and journalled."""
