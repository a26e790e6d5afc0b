import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { AppState } from './lib/state.svelte';

const state = new AppState(window);
mount(App, { target: document.getElementById('app')!, props: { app: state } });
