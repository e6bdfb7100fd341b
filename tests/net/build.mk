# tests/net/build.mk: networking tests (owned by the networking test harness).
