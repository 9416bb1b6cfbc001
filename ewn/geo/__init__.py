"""Geography: the gazetteer, reading places from text, admin areas, online geocoders."""
