"""The documents service: documents and their versions in S3, access rules, trash, team protocols
and the instance's protocol library."""
