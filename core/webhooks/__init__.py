"""The webhook channel (Standard Webhooks): signing, the address guard, the HTTP sender and the
retry schedule."""
