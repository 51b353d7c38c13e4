"""Operations: configuration check and statistics."""
