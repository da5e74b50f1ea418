"""The registers' pages: risks, improvements (one set of views, :mod:`.items`) and service reviews."""
