"""What a vendor's learning app sends: statement files or captured statements (profiles ``xapi-statements``, ``xapi-statements-japan``)."""
