"""Statistical process control: control charts, run rules and capability, as Montgomery states them."""
