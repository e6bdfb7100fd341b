/* Boot test guest: does nothing but return 3, so it reaches the fewest kernel components. */
int main(void)
{
	return 3;
}
