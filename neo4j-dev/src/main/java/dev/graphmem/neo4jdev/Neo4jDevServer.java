package dev.graphmem.neo4jdev;
public class Neo4jDevServer { public static void main(String[] a) {} }
