// The function of the incident: each invocation opens a MariaDB connection
// with mysql2, runs a query, and never closes the connection. In a warm
// Lambda execution environment the process lives on between invocations, so
// every invocation leaks one TCP socket, until the 1,024-descriptor limit
// makes every later invocation fail with "getaddrinfo EMFILE localhost".
//
// Environment: DB_HOST (a host name that getaddrinfo resolves: localhost),
// DB_PORT, DB_USER.
import dns from "node:dns";
import mysql from "mysql2/promise";

// localhost may also resolve to ::1; the database listens on 127.0.0.1.
dns.setDefaultResultOrder("ipv4first");

export const handler = async (event) => {
  const conn = await mysql.createConnection({
    host: process.env.DB_HOST,
    port: Number(process.env.DB_PORT),
    user: process.env.DB_USER,
  });
  const [rows] = await conn.query("SELECT 1 AS one");
  // The bug: no conn.end().
  return { n: event.n, one: rows[0].one, pid: process.pid };
};
