/* Start-up cost: a program that does nothing, like true(1); bench/startup.sh
 * times runs of it plain and preloaded. */
int main(void) { return 0; }
