"""What the running bot holds, whatever the chat platform: settings, database, clock, languages."""

from runtime.services import Services, services

__all__ = ["Services", "services"]
