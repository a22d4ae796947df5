# Multi-stage build: a Rust toolchain builds Onward (SQLite, libpq and OpenSSL are compiled from
# their crates), a slim Debian image runs it as an unprivileged user.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/onward --create-home onward
COPY --from=build /src/target/release/onward /usr/local/bin/onward
USER onward
WORKDIR /var/lib/onward
ENV ONWARD_BIND=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["onward"]
CMD ["serve"]
