# Portcullis: streaming risk scoring for customs and border agencies.
# `make help` lists the targets.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN := .run
PACKAGES := -e shared -e cli -e services/ingest -e services/scoring -e services/watchlist -e services/api-gateway -e services/analytics
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install up down status test test-unit test-images images lint format bench bench-console broker-start broker-stop model clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): constraints.txt requirements-dev.txt shared/pyproject.toml cli/pyproject.toml services/*/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) ## Install everything for development into .venv (the `portcullis` command included)
	@# The screening core compiled with mypyc (about a minute, again whenever one of its sources changed).
	$(BIN)/python -m portcullis.shared.compiled --if-stale

up: install ## Start the broker, train the default model if missing, start the five services; wait until ready
	$(BIN)/portcullis dev up

down: ## Stop exactly what `make up` started (services and broker)
	-$(BIN)/portcullis dev down

status: install ## Show what is running and whether it is ready
	$(BIN)/portcullis dev status

broker-start: install ## Fetch (first time) and start the local Kafka broker, create the topics
	$(BIN)/portcullis broker start
	$(BIN)/portcullis broker topics

broker-stop: install ## Stop the local Kafka broker
	$(BIN)/portcullis broker stop

model: install ## Train the default model into .run/models when there is none
	$(BIN)/portcullis model ensure-default

test: install ## Start what the tests need (broker, PostgreSQL) and run unit and integration tests
	$(BIN)/portcullis broker start
	scripts/local-postgres.sh start
	PORTCULLIS_TEST_POSTGRES_URL=$$(scripts/local-postgres.sh url) $(BIN)/pytest -p no:cacheprovider

test-unit: install ## Run the unit tests only (nothing needs to run)
	$(BIN)/pytest -p no:cacheprovider tests/unit

images: ## Build one container image per service with podman (the base image from Debian packages, once)
	scripts/build-images.sh

test-images: install images ## Build the images, run them against the broker: ready, declaration in, decision out
	$(BIN)/portcullis broker start
	PORTCULLIS_TEST_IMAGES=1 $(BIN)/pytest -p no:cacheprovider tests/deploy/test_images.py

lint: install ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared cli services

format: install ## Format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## Run the bounded benchmarks and write docs/benchmarks.md
	$(BIN)/portcullis broker start
	$(BIN)/python -m benchmarks.run

bench-console: install ## Console pages' latency with 100,000 stored decisions; writes docs/console-bench.json
	$(BIN)/portcullis broker start
	$(BIN)/python -m benchmarks.console_bench

clean: down ## Stop everything and delete .run/ (broker data, models, databases, logs)
	rm -rf $(RUN)
