.PHONY: run test lint
run:  ## set up and run the portal (web + qcluster + demo emulators)
	scripts/run.sh
test:  ## set up and run the test suite
	scripts/test.sh
