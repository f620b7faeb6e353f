# One image with the API server and the built SPA, as WSO2 Choreo (or any container
# platform) runs it. Build: docker build -t notes .   Run: see README "Deploy".

# ---- builder: the wasm toolchain, the SPA (release) and the server (release) ----
FROM rust:1.95-slim-bookworm AS builder
ARG TRUNK_VERSION=0.21.14
ARG BINARYEN_VERSION=132
ARG TERSER_VERSION=5.51.4
ARG WASM_SPLIT_VERSION=0.2.4
# Set to build an SPA that calls an API on another origin (the server then needs
# CORS_ALLOWED_ORIGINS); empty means the same origin, the usual case for this image.
ARG API_BASE_URL=
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown
WORKDIR /src

# Tools first: they change only when their versions do.
COPY Cargo.lock ./
RUN cargo install trunk@${TRUNK_VERSION} --locked \
 && cargo install wasm-bindgen-cli@$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock) \
 && cargo install wasm_split_cli_support@${WASM_SPLIT_VERSION} --features build-binary --locked \
 && mkdir -p .tools && npm install --prefix .tools binaryen@${BINARYEN_VERSION} terser@${TERSER_VERSION}

# Dependencies next, from the manifests alone, so a source edit does not rebuild them
# (the wasm ones with scripts/build-spa.sh's RUSTFLAGS, scripts/spa-rustflags.sh, or they
# would not be reused).
COPY Cargo.toml ./
COPY app/Cargo.toml app/
COPY frontend/Cargo.toml frontend/
COPY markdown-worker/Cargo.toml markdown-worker/
COPY markup/Cargo.toml markup/
COPY migrations/Cargo.toml migrations/
COPY server/Cargo.toml server/
COPY scripts/spa-rustflags.sh scripts/
RUN for crate in app markup migrations; do mkdir -p $crate/src && echo > $crate/src/lib.rs; done \
 && mkdir -p server/src frontend/src markdown-worker/src && echo 'fn main() {}' > server/src/main.rs && echo > server/src/lib.rs \
 && echo 'fn main() {}' > frontend/src/main.rs && echo 'fn main() {}' > markdown-worker/src/main.rs \
 && cargo build --release -p server \
 && CARGO_TARGET_DIR=/src/target RUSTFLAGS="$(scripts/spa-rustflags.sh)" \
    cargo build --profile wasm-release -p frontend -p markdown-worker --target wasm32-unknown-unknown \
 && rm -rf app/src markup/src migrations/src server/src frontend/src markdown-worker/src

# The sources, then the real builds.
COPY . .
RUN touch app/src/lib.rs markup/src/lib.rs migrations/src/lib.rs server/src/main.rs server/src/lib.rs \
    frontend/src/main.rs markdown-worker/src/main.rs \
 && CARGO_TARGET_DIR=/src/target API_BASE_URL=${API_BASE_URL} scripts/build-spa.sh \
 && cargo build --release -p server

# ---- runtime: the binary, the SPA and the CA certificates, nothing else ----
FROM debian:bookworm-slim
RUN groupadd --gid 10014 notes \
 && useradd --uid 10014 --gid 10014 --no-create-home --no-log-init --shell /usr/sbin/nologin notes \
 && mkdir -p /app /data && chown 10014:10014 /data
# The certificate bundle alone: the server links nothing but glibc (TLS is rustls), so
# Debian's ca-certificates package would add OpenSSL's 9 MB for no reader.
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=builder /src/target/release/server /app/server
COPY --from=builder /src/dist /app/dist
# All configuration comes from the environment: DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PWD
# (or DATABASE_URL), JWT_SECRET, and the rest in the README. Without a database setting
# the server keeps SQLite in /data, which is gone with the container unless a volume is
# mounted there; on a read-only /data, start-up stops with one line saying so.
ENV APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    STATIC_DIR=/app/dist \
    LOG_FORMAT=json
WORKDIR /data
EXPOSE 8000
# Choreo requires a numeric non-root user with a UID between 10000 and 20000.
USER 10014
ENTRYPOINT ["/app/server"]
CMD ["serve"]
