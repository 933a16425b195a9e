"""Streamlit helpers shared by the pages. Only this package and app_pages/ import streamlit."""
from threadpoolctl import threadpool_limits

# The app's model fits solve many small least-squares problems, where several BLAS threads on a
# shared 2-core server cost far more in hand-offs than they gain (measured 30-60x slower).
threadpool_limits(limits=1, user_api="blas")
