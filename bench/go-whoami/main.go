// The Go tutorial's whoami server, as the reference for bench/run.sh: net/http, /whoami -> os.Hostname().
// The port comes from WHOAMI_GO_PORT for the benchmark, otherwise 8080 as in the tutorial.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		name, err := os.Hostname()
		if err != nil {
			name = "unknown"
		}
		fmt.Fprint(w, name)
	})
	port := os.Getenv("WHOAMI_GO_PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
