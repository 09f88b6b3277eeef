"""Pure business rules: identifiers, quantities, lot status, handling steps, typed errors."""
