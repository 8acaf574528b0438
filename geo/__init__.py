"""Map builders (folium), class breaks and legends. Never imports streamlit."""
