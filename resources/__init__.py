"""Files the app ships beside its code (icons, sounds, styles), installed as traceapp.resources."""
