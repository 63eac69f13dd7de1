// The references for WhoAmI's h2c (WhoAmI/Server/H2cUpgrade.cs, Http2PriorKnowledge.cs), from Go's x/net (Debian's
// golang-golang-x-net-dev), built and run by WhoAmI.Tests/References/H2cTests.cs:
//
//	go-h2c serve            a server wrapped in h2c.NewHandler, as traefik/whoami is, on a free loopback port
//	                        (printed as "listening PORT"): /whoami answers the host name, anything else 404
//	go-h2c get URL [N]      x/net/http2's client over h2c (prior knowledge): N requests at once on one
//	                        connection (1 by default); more options in the flags below. Prints one line a request:
//	                        "STATUS PROTO BODY-BYTES", or "error MESSAGE"
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go-h2c serve | go-h2c get [-X METHOD] [-H NAME:VALUE] [-d BODY] URL [N]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve()
	case "get":
		get(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "go-h2c: serve or get")
		os.Exit(2)
	}
}

func serve() {
	// As WhoAmI's: the host name at /whoami, an empty 404 elsewhere.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path != "/whoami" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		name, _ := os.Hostname()
		fmt.Fprint(w, name)
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %d\n", listener.Addr().(*net.TCPAddr).Port)
	// Kestrel's head limit in WhoAmI (KestrelLimits: 8 KiB request line + 32 KiB of fields), so that a head over it
	// is over Go's too; Go adds 4 KiB of slack of its own.
	server := &http.Server{Handler: h2c.NewHandler(handler, &http2.Server{}), MaxHeaderBytes: 32 << 10}
	server.Serve(listener)
}

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func get(args []string) {
	flags := flag.NewFlagSet("get", flag.ExitOnError)
	method := flags.String("X", "GET", "the method")
	body := flags.String("d", "", "the request body")
	var fields headers
	flags.Var(&fields, "H", "a header field, NAME:VALUE (repeatable)")
	flags.Parse(args)
	url, count := flags.Arg(0), 1
	if flags.NArg() > 1 {
		fmt.Sscan(flags.Arg(1), &count)
	}

	// A time limit: on a graceful GOAWAY the client tries again, and Go's server sends one for a header list too long.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http2.Transport{
		AllowHTTP: true, // h2c: the "TLS" dial is a plain one
		DialTLS: func(network, addr string, _ *tls.Config) (net.Conn, error) {
			return net.Dial(network, addr)
		},
	}}
	lines := make([]string, count)
	var wait sync.WaitGroup
	for i := range lines {
		wait.Add(1)
		go func(i int) {
			defer wait.Done()
			var content io.Reader
			if *body != "" {
				content = strings.NewReader(*body)
			}
			request, _ := http.NewRequest(*method, url, content)
			for _, field := range fields {
				name, value, _ := strings.Cut(field, ":")
				request.Header.Add(name, strings.TrimSpace(value))
			}
			response, err := client.Do(request)
			if err != nil {
				lines[i] = "error " + err.Error()
				return
			}
			defer response.Body.Close()
			read, err := io.ReadAll(response.Body)
			if err != nil {
				lines[i] = "error " + err.Error()
				return
			}
			lines[i] = fmt.Sprintf("%d %s %d", response.StatusCode, response.Proto, len(read))
		}(i)
	}
	wait.Wait()
	fmt.Println(strings.Join(lines, "\n"))
}
