"""SPC views: control charts, histogram and capability of a product's inspected characteristic."""
