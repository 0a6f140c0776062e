"""The in-app inbox: what the market tells an account (a broker acted on its pair, a strong
new match, a deadline or the end of a listing's term near, new results of a saved search),
listing terms (有效期) and saved searches."""
