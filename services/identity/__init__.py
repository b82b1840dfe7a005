"""The identity service: structures, people, memberships, sessions, directory and availability."""
