"""Import accounts and their spare keys from other vaults, and export them to leave."""
